// Rows into Postgres as one multi-row statement, idempotently: the primary key is
// (id, received_at), so a batch shipped again after a crash, or after a timeout whose
// commit did land, adds nothing.
import type { Kysely } from 'kysely';
import type { DB, NewAuditRow } from '../../db/schema.js';

export async function insertRows(db: Kysely<DB>, rows: readonly NewAuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('audit_records')
    .values(rows as NewAuditRow[])
    .onConflict((oc) => oc.columns(['id', 'received_at']).doNothing())
    .execute();
}

/**
 * True when Postgres refused the data itself (SQLSTATE class 22, data exception, e.g. a NUL
 * character in text or a malformed uuid; class 23, a constraint), so retrying the same
 * rows can never succeed. Anything else (connection lost, timeout, shutdown, a missing
 * table) may pass: the batch is retried as it is.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
