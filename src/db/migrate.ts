// Runs the timestamp-named migrations in migrations/, then makes sure the audit
// partitions exist.
import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { ensurePartitions } from './partitions.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>, now: Date = new Date()): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which: with
  // several schemas on one server (tests, tenants) it would find another schema's table,
  // skip creating its own, then fail to lock it. So: the schema we work in.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrationTableSchema = rows[0]?.schema ?? undefined;
  const { error, results } = await new Migrator({ db, provider, migrationTableSchema }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await ensurePartitions(db, now);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
