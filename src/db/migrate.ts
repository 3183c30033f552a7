// Runs the timestamp-named migrations in migrations/, then makes sure the audit
// partitions exist.
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { ensurePartitions } from './partitions.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>, now: Date = new Date()): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await ensurePartitions(db, now);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
