// Runs the timestamp-named migrations in migrations/ (compiled beside this file in dist/,
// TypeScript sources under vitest), then makes sure the audit partitions exist.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator, type Kysely } from 'kysely';
import { ensurePartitions } from './partitions.js';

const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export async function migrateToLatest(db: Kysely<any>, now: Date = new Date()): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await ensurePartitions(db, now);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
