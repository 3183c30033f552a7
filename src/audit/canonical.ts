// The canonical form of an audit record's content, which the hash chain signs. It must be
// the same text for a row about to be inserted and for the same row read back from
// Postgres, whatever the driver did to it on the way:
//
//   - every column of HASHED_COLUMNS, under its column name, keys sorted, as compact JSON
//     (missing = the column's default, or null), then UTF-8;
//   - timestamps as ISO 8601 UTC with milliseconds (`2026-12-01T10:00:00.123Z`);
//   - jsonb columns as their JSON value with object keys sorted at every depth (jsonb keeps
//     its own key order, and the writer holds them as JSON text);
//   - the id in lower case, as the uuid type prints it;
//   - text with any lone UTF-16 surrogate replaced by U+FFFD, which is what UTF-8 (and so
//     Postgres) stores for it;
//   - numbers as JSON numbers (the timing columns are double precision, so they come back
//     exactly as written); booleans as booleans.
//
// The list is frozen: records already signed must verify forever. A column added later
// is not covered unless a new chain format says so.
import type { AuditRow, NewAuditRow } from '../db/schema.js';

export const HASHED_COLUMNS = [
  'id', 'received_at', 'completed_at', 'duration_ms', 'ttfb_ms', 'method', 'path', 'route', 'model',
  'returned_model', 'stream', 'status', 'upstream_status', 'error_code', 'upstream_error',
  'key_fingerprint', 'client_ip', 'caller', 'client_request_id', 'upstream_request_id', 'params',
  'prompt', 'prompt_storage', 'response', 'response_storage', 'prompt_tokens', 'completion_tokens',
  'total_tokens', 'cached_tokens', 'reasoning_tokens', 'usage_source', 'decision', 'findings',
  'policy_version', 'filter_ms', 'retries', 'request_bytes', 'response_bytes', 'client_aborted',
  'chain_id', 'chain_seq', 'prev_hash',
] as const;

export type HashedColumn = (typeof HASHED_COLUMNS)[number];

const TIME_COLUMNS: ReadonlySet<string> = new Set(['received_at', 'completed_at']);
const JSON_COLUMNS: ReadonlySet<string> = new Set(['upstream_error', 'params', 'findings']);

/** What Postgres fills in when an insert leaves the column out. */
const DEFAULTS: Partial<Record<HashedColumn, unknown>> = {
  stream: false,
  findings: [],
  retries: 0,
  request_bytes: 0,
  response_bytes: 0,
  client_aborted: false,
};

/**
 * `inserted`: the row as the writer inserts it (jsonb columns as JSON text); `stored`:
 * as read back through the driver (jsonb columns already parsed).
 */
export type RowSource = 'inserted' | 'stored';

export function canonicalRecord(row: Partial<NewAuditRow> | Partial<AuditRow>, source: RowSource): string {
  const out: Record<string, unknown> = {};
  const values = row as Record<string, unknown>;
  for (const col of [...HASHED_COLUMNS].sort()) {
    let v = values[col];
    if (v === undefined) v = DEFAULTS[col] ?? null;
    if (v !== null) {
      if (TIME_COLUMNS.has(col)) v = new Date(v as Date | string).toISOString();
      else if (JSON_COLUMNS.has(col)) v = sortKeys(source === 'inserted' && typeof v === 'string' ? JSON.parse(v) : v);
      else if (col === 'id') v = String(v).toLowerCase();
      else if (typeof v === 'string') v = wellFormed(v);
    }
    out[col] = v;
  }
  return JSON.stringify(out);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'string') return wellFormed(v);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[wellFormed(k)] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

// String.prototype.isWellFormed/toWellFormed exist on Node 20 but not in the ES2023 lib.
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

function wellFormed(s: string): string {
  const w = s as WellFormedString;
  return w.isWellFormed() ? s : w.toWellFormed();
}
