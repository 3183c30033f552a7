// Rows into Postgres as one statement, idempotently: the primary key is (id, received_at),
// so a batch shipped again after a crash, or after a timeout whose commit did land, adds
// nothing.
//
// The statement takes one array per column and unnests them (`insert ... select * from
// unnest($1::uuid[], $2::timestamptz[], ...)`): 43 parameters whatever the number of rows,
// and the same text every time. A multi-row VALUES list has a parameter per value (21,500
// for 500 rows): building it cost Node about three times the CPU per row, and Postgres
// parsed, planned and bound all of them for every batch. Each element reaches Postgres as
// the same text a lone parameter would (the driver's own conversion: dates, numbers,
// booleans, JSON strings), read by the column type's input function, so a row lands field
// by field as it did.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, NewAuditRow } from '../../db/schema.js';
import { hasTextBytes, type ShipRow } from './ship-row.js';

/** Every column of audit_records and its type, for the arrays the insert unnests. */
const COLUMNS = [
  ['id', 'uuid'],
  ['received_at', 'timestamptz'],
  ['completed_at', 'timestamptz'],
  ['duration_ms', 'float8'],
  ['ttfb_ms', 'float8'],
  ['method', 'text'],
  ['path', 'text'],
  ['route', 'text'],
  ['model', 'text'],
  ['returned_model', 'text'],
  ['stream', 'bool'],
  ['status', 'int4'],
  ['upstream_status', 'int4'],
  ['error_code', 'text'],
  ['upstream_error', 'jsonb'],
  ['key_fingerprint', 'text'],
  ['client_ip', 'text'],
  ['caller', 'text'],
  ['client_request_id', 'text'],
  ['upstream_request_id', 'text'],
  ['params', 'jsonb'],
  ['prompt', 'text'],
  ['prompt_storage', 'text'],
  ['response', 'text'],
  ['response_storage', 'text'],
  ['prompt_tokens', 'int4'],
  ['completion_tokens', 'int4'],
  ['total_tokens', 'int4'],
  ['cached_tokens', 'int4'],
  ['reasoning_tokens', 'int4'],
  ['usage_source', 'text'],
  ['decision', 'text'],
  ['findings', 'jsonb'],
  ['policy_version', 'text'],
  ['filter_ms', 'float8'],
  ['retries', 'int4'],
  ['request_bytes', 'int8'],
  ['response_bytes', 'int8'],
  ['client_aborted', 'bool'],
  ['chain_id', 'text'],
  ['chain_seq', 'int8'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
] as const satisfies readonly (readonly [keyof NewAuditRow, string])[];

/**
 * What a column the row leaves out gets: its default in the table (as a multi-row insert
 * would write DEFAULT), or null. An explicit null stays null (and a NOT NULL column
 * refuses it, as before).
 */
const DEFAULTS: Partial<Record<keyof NewAuditRow, unknown>> = { findings: '[]', retries: 0, request_bytes: 0, response_bytes: 0, client_aborted: false, stream: false };

const TARGET = sql.raw(COLUMNS.map(([name]) => name).join(', '));

export async function insertRows(db: Kysely<DB>, rows: readonly ShipRow[]): Promise<void> {
  if (rows.length === 0) return;
  // A row holding text as bytes goes alone, each value its own parameter: an array
  // parameter is text, and the bytes would have to become a string again.
  if (rows.some(hasTextBytes)) {
    const plain = rows.filter((row) => !hasTextBytes(row));
    for (const row of rows) if (hasTextBytes(row)) await insertOne(db, row);
    return insertRows(db, plain);
  }
  const arrays: RawBuilder<unknown>[] = COLUMNS.map(([name, type]) => {
    const fallback = DEFAULTS[name] ?? null;
    const values = rows.map((row) => ((row as Record<string, unknown>)[name] === undefined ? fallback : (row as Record<string, unknown>)[name]));
    return sql`${values}::${sql.raw(type)}[]`;
  });
  await sql`insert into audit_records (${TARGET}) select * from unnest(${sql.join(arrays)}) on conflict (id, received_at) do nothing`.execute(db);
}

/** One row, as insertRows would insert it alone; Buffer values are sent as they are (binary format). */
async function insertOne(db: Kysely<DB>, row: ShipRow): Promise<void> {
  const values = COLUMNS.map(([name, type]) => {
    const v = (row as Record<string, unknown>)[name];
    return sql`${v === undefined ? (DEFAULTS[name] ?? null) : v}::${sql.raw(type)}`;
  });
  await sql`insert into audit_records (${TARGET}) values (${sql.join(values)}) on conflict (id, received_at) do nothing`.execute(db);
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
