import { sql, type Kysely } from 'kysely';

// Tamper evidence: every record carries SHA-256 over its content and the hash of the
// record its writer wrote before it (src/audit/chain.ts). Rows written before this
// migration have no chain (all four columns null) and verification skips them.
//
// The timing columns become double precision: the hash is computed over the numbers the
// writer holds, and a `real` column would store them rounded to 24 bits, so a record
// read back would no longer match its own hash. JavaScript numbers are doubles and
// round-trip through float8 text exactly.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table audit_records
      add column chain_id text,
      add column chain_seq bigint,
      add column prev_hash text,
      add column hash text,
      alter column duration_ms type double precision,
      alter column ttfb_ms type double precision,
      alter column filter_ms type double precision
  `.execute(db);
  // Verification walks each chain in sequence order, and looks records up by position.
  await sql`create index audit_records_chain_idx on audit_records (chain_id, chain_seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists audit_records_chain_idx`.execute(db);
  await sql`
    alter table audit_records
      drop column chain_id,
      drop column chain_seq,
      drop column prev_hash,
      drop column hash,
      alter column duration_ms type real,
      alter column ttfb_ms type real,
      alter column filter_ms type real
  `.execute(db);
}
