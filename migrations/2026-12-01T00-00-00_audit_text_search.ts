import { sql, type Kysely } from 'kysely';

// Text search in prompts and responses (`q` of the audit API): trigram GIN indexes, so a
// substring query `ILIKE '%project x%'` is an index lookup rather than a scan of every
// prompt. Trigrams (not full-text tsvector) because an auditor searches for fragments,
// names, ids and half-words as they were typed, in any language, with no stemming.
//
// pg_trgm is a trusted extension (PG 13+): any role that may create objects in the
// database can install it. It goes into `public` when that schema exists, not into the
// current schema, so that dropping one tenant's or test's schema never drops the
// extension (and every trigram index) from under the others. An embedded PGlite must be
// opened with the extension loaded (see PGLITE_EXTENSIONS in src/db/database.ts).
export async function up(db: Kysely<any>): Promise<void> {
  const schema = await trigramSchema(db);
  const opclass = sql`${sql.id(schema)}.gin_trgm_ops`;
  await sql`create index audit_records_prompt_trgm_idx on audit_records using gin (prompt ${opclass})`.execute(db);
  await sql`create index audit_records_response_trgm_idx on audit_records using gin (response ${opclass})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists audit_records_prompt_trgm_idx`.execute(db);
  await sql`drop index if exists audit_records_response_trgm_idx`.execute(db);
}

/** An arbitrary advisory-lock key, the same in every process that runs this migration. */
const EXTENSION_LOCK = 0x7472_676d; // 'trgm'

/** Installs pg_trgm if needed; returns the schema that holds it. */
async function trigramSchema(db: Kysely<any>): Promise<string> {
  // Schemas migrating side by side on one server (tests, tenants) would race to install
  // it; the loser's transaction would fail. This lock lasts until the migration commits.
  await sql`select pg_advisory_xact_lock(${EXTENSION_LOCK})`.execute(db);
  const installed = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  if (installed.rows[0]) return installed.rows[0].schema;
  const { rows } = await sql<{ schema: string }>`
    select coalesce((select nspname from pg_namespace where nspname = 'public'), current_schema()) as schema`.execute(db);
  const schema = rows[0]!.schema;
  try {
    await sql`create extension if not exists pg_trgm with schema ${sql.id(schema)}`.execute(db);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(
      /not available|could not open extension control file/i.test(message)
        ? `the pg_trgm extension is not available (${message}): install PostgreSQL's contrib modules on the server, or open the embedded PGlite with { extensions: PGLITE_EXTENSIONS }`
        : message,
    );
  }
  return schema;
}
