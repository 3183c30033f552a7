// A row on its way from the spool to Postgres. A big record's prompt or response may be
// held as its UTF-8 bytes instead of a string: the pg driver sends a Buffer parameter as
// it is (binary format, which for text is those bytes), so a megabyte text is never
// decoded into a string and encoded again on the event loop. Bytes are made only for a
// Postgres server: the embedded database's driver would not read them as text.
import type { NewAuditRow } from '../../db/schema.js';

export const TEXT_COLUMNS = ['prompt', 'response'] as const;

/** Texts at least this long are turned into bytes. */
export const TEXT_BYTES_MIN_CHARS = 64 * 1024;

export type ShipRow = Omit<NewAuditRow, (typeof TEXT_COLUMNS)[number]> & {
  prompt?: string | Buffer | null;
  response?: string | Buffer | null;
};

/** True when a text of the row is held as bytes. */
export function hasTextBytes(row: ShipRow): boolean {
  return Buffer.isBuffer(row.prompt) || Buffer.isBuffer(row.response);
}

/** The row with its texts as strings again (for the rejects file, which keeps JSON). */
export function withTextStrings(row: ShipRow): NewAuditRow {
  if (!hasTextBytes(row)) return row as NewAuditRow;
  const out: Record<string, unknown> = { ...row };
  for (const col of TEXT_COLUMNS) {
    const v = out[col];
    if (Buffer.isBuffer(v)) out[col] = v.toString('utf8');
  }
  return out as NewAuditRow;
}
