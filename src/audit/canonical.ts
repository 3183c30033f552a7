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

/** The chain columns, when they are not in the row itself (they take precedence). */
export interface ChainLink {
  readonly chain_id: string;
  readonly chain_seq: number;
  readonly prev_hash: string | null;
}

/**
 * `inserted`: the row as the writer inserts it (jsonb columns as JSON text); `stored`:
 * as read back through the driver (jsonb columns already parsed).
 */
export type RowSource = 'inserted' | 'stored';

const SORTED_COLUMNS: readonly HashedColumn[] = [...HASHED_COLUMNS].sort();
/** `"name":` of each column, in the order the canonical form lists them. */
const KEY_PREFIX: readonly string[] = SORTED_COLUMNS.map((col, i) => `${i === 0 ? '{' : ','}${JSON.stringify(col)}:`);
/** Strings JSON.stringify writes as they are, between quotes: printable ASCII but `"` and `\`. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The canonical form of one column's value: the JSON text JSON.stringify would give for it. */
function canonicalValue(col: HashedColumn, value: unknown, source: RowSource): string {
  let v = value === undefined ? (DEFAULTS[col] ?? null) : value;
  if (v === null) return 'null';
  if (TIME_COLUMNS.has(col)) return `"${new Date(v as Date | string).toISOString()}"`;
  if (JSON_COLUMNS.has(col)) return JSON.stringify(sortKeys(source === 'inserted' && typeof v === 'string' ? JSON.parse(v) : v)) ?? 'null';
  if (col === 'id') v = String(v).toLowerCase();
  switch (typeof v) {
    case 'string':
      return PLAIN_ASCII.test(v) ? `"${v}"` : JSON.stringify(wellFormed(v));
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return JSON.stringify(v) ?? 'null';
  }
}

/**
 * Built column by column: the same text as JSON.stringify of an object holding the
 * columns in sorted order (no column name is an integer, so that is their order), without
 * building that object or sorting the names for every record.
 */
export function canonicalRecord(row: Partial<NewAuditRow> | Partial<AuditRow>, source: RowSource, link?: ChainLink): string {
  const values = row as Record<string, unknown>;
  let out = '';
  for (let i = 0; i < SORTED_COLUMNS.length; i++) {
    const col = SORTED_COLUMNS[i]!;
    const value = link && col in link ? link[col as keyof ChainLink] : values[col];
    out += KEY_PREFIX[i]! + canonicalValue(col, value, source);
  }
  return `${out}}`;
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
