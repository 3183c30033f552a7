// Runs the timestamp-named migrations in migrations/, then makes sure the audit
// partitions exist.
import { Kysely, Migrator, sql, type DatabaseIntrospector, type MigrationProvider, type SchemaMetadata, type TableMetadata } from 'kysely';
import { migrations } from '../../migrations/index.js';
import type { Database } from './database.js';
import { ensurePartitions } from './partitions.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Given the Database, the migrations run on a connection of their own with no timeout: an
 * index built over a big table at start-up takes what it takes, where the pool would give
 * up after its query timeout (and roll the migration back). Kysely's migration lock (an
 * advisory lock in the migration's transaction) still keeps replicas starting together
 * from applying anything twice: the others wait for it, also without a timeout.
 */
export async function migrateToLatest(target: Database | Kysely<any>, now: Date = new Date()): Promise<string[]> {
  if (target instanceof Kysely) return migrateOn(target, now);
  return target.withoutTimeout((db) => migrateOn(db, now));
}

async function migrateOn(db: Kysely<any>, now: Date): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which: with
  // several schemas on one server (tests, tenants) it would find another schema's table,
  // skip creating its own, then fail to lock it. So: the schema we work in.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrationTableSchema = rows[0]?.schema ?? undefined;
  const { error, results } = await new Migrator({ db: scopedIntrospection(db), provider, migrationTableSchema }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await ensurePartitions(db, now);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The database as the Migrator sees it, with an introspector that only looks at the
 * current schema. Kysely's own lists every table of every schema, calling
 * pg_get_serial_sequence and has_schema_privilege by schema name for each: a schema
 * that another process drops meanwhile (a test's, a tenant's) fails the whole query with
 * "schema ... does not exist", and the migration with it. The Migrator only asks whether
 * its schema and its two bookkeeping tables exist.
 */
function scopedIntrospection(db: Kysely<any>): Kysely<any> {
  const introspector: DatabaseIntrospector = {
    async getSchemas(): Promise<SchemaMetadata[]> {
      const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(db);
      return rows.filter((r) => r.name !== null);
    },
    async getTables(): Promise<TableMetadata[]> {
      const { rows } = await sql<{ name: string; schema: string; isView: boolean }>`
        select c.relname as name, n.nspname as schema, c.relkind = 'v' as "isView"
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.oid = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v')`.execute(db);
      return rows.map((r) => ({ ...r, columns: [] }));
    },
    async getMetadata() {
      return { tables: await this.getTables() };
    },
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspector;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
