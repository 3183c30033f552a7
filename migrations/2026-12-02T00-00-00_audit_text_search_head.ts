import { sql, type Kysely } from 'kysely';

// The trigram indexes of the text search cover the head of a prompt or response, its first
// 65,536 characters (all of a shorter one), instead of all of it. Indexing a stored prompt
// of 1,000,000 characters cost Postgres about 150 ms of CPU per record, five times the
// insert itself, and a burst of big prompts took that CPU from the filters scanning the
// next ones. The head costs about 5 ms.
//
// A record whose prompt or response is longer than the head is still searched in full: an
// index of the longer text's length finds such records, and the search reads them and
// checks them whole (see textCondition in src/audit/queries.ts, which writes the same
// expressions so that Postgres matches them to these indexes). It is a plain expression
// index, not a partial one, because ANALYZE keeps statistics of an indexed expression:
// guessing a third of the rows long (its default for a condition it knows nothing about),
// the planner walked the time index and filtered every row, 1 to 2 s for a rare term at
// 200,000 records. Long texts are few, so a search pays for them only where they are.
const HEAD = 65_536;

export async function up(db: Kysely<any>): Promise<void> {
  const schema = await trigramSchema(db);
  const opclass = sql`${sql.id(schema)}.gin_trgm_ops`;
  for (const column of ['prompt', 'response']) {
    await sql`create index ${sql.id(`audit_records_${column}_head_trgm_idx`)} on audit_records using gin ((left(${sql.ref(column)}, ${sql.lit(HEAD)})) ${opclass})`.execute(db);
    await sql`drop index ${sql.id(`audit_records_${column}_trgm_idx`)}`.execute(db);
  }
  await sql`create index audit_records_text_chars_idx on audit_records ((greatest(char_length(prompt), char_length(response))))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const schema = await trigramSchema(db);
  const opclass = sql`${sql.id(schema)}.gin_trgm_ops`;
  for (const column of ['prompt', 'response']) {
    await sql`create index ${sql.id(`audit_records_${column}_trgm_idx`)} on audit_records using gin (${sql.ref(column)} ${opclass})`.execute(db);
    await sql`drop index ${sql.id(`audit_records_${column}_head_trgm_idx`)}`.execute(db);
  }
  await sql`drop index audit_records_text_chars_idx`.execute(db);
}

/** The schema that holds pg_trgm, installed by the first text search migration. */
async function trigramSchema(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  if (!rows[0]) throw new Error('the pg_trgm extension is missing: the audit text search migration installs it');
  return rows[0].schema;
}
