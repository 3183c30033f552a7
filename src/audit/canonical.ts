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
import { jsonString } from '../json-string.js';

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
  if (JSON_COLUMNS.has(col)) {
    // The JSON texts most rows hold, which sorting and re-serialising leave as they are.
    if (source === 'inserted' && (v === 'null' || v === '[]' || v === '{}')) return v;
    return JSON.stringify(sortKeys(source === 'inserted' && typeof v === 'string' ? JSON.parse(v) : v)) ?? 'null';
  }
  if (col === 'id') v = String(v).toLowerCase();
  switch (typeof v) {
    case 'string':
      return PLAIN_ASCII.test(v) ? `"${v}"` : jsonString(wellFormed(v));
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

const COLUMN_AT: ReadonlyMap<string, number> = new Map(SORTED_COLUMNS.map((col, i) => [col, i]));
/** `"name":` of each column, as JSON.stringify writes a key. */
const JSON_KEY: ReadonlyMap<string, string> = new Map(HASHED_COLUMNS.map((col) => [col, `${JSON.stringify(col)}:`]));

/** A row about to be inserted, as two texts made in one pass over its values. */
export interface InsertedRowTexts {
  /** `JSON.stringify(row)` without its braces: the members, comma-separated ('' for none). */
  readonly members: string;
  /** `canonicalRecord(row, 'inserted', link)`, the same text. */
  readonly canonical: string;
}

/**
 * The row's JSON text and its canonical form together. Most columns read the same in both
 * (numbers, booleans, null, well-formed strings, timestamps), so each value is serialised
 * once: a record's prompt and response are most of its bytes, and serialising them twice
 * was most of the cost of chaining a record.
 */
export function insertedRowTexts(row: Partial<NewAuditRow>, link: ChainLink): InsertedRowTexts {
  const values = row as Record<string, unknown>;
  const shared: (string | undefined)[] = new Array<string | undefined>(SORTED_COLUMNS.length);
  let members = '';
  // Object.keys gives the order JSON.stringify writes the keys in.
  for (const key of Object.keys(values)) {
    const value = values[key];
    const text = jsonValue(value);
    if (text === undefined) continue; // left out, as JSON.stringify does
    members += `${members === '' ? '' : ','}${JSON_KEY.get(key) ?? `${jsonString(key)}:`}${text}`;
    const at = COLUMN_AT.get(key);
    if (at !== undefined && readsTheSame(SORTED_COLUMNS[at]!, value)) shared[at] = text;
  }
  let canonical = '';
  for (let i = 0; i < SORTED_COLUMNS.length; i++) {
    const col = SORTED_COLUMNS[i]!;
    const text = col in link ? canonicalValue(col, link[col as keyof ChainLink], 'inserted') : (shared[i] ?? canonicalValue(col, values[col], 'inserted'));
    canonical += KEY_PREFIX[i]! + text;
  }
  return { members, canonical: `${canonical}}` };
}

/** The text JSON.stringify writes for a property's value; undefined when it leaves the property out. */
function jsonValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (Object.getPrototypeOf(v) === Date.prototype) {
        // Date.prototype.toJSON: the ISO form, or null for an invalid date.
        return Number.isFinite((v as Date).getTime()) ? `"${(v as Date).toISOString()}"` : 'null';
      }
      return JSON.stringify(v);
    default:
      return JSON.stringify(v);
  }
}

/** Whether a value's canonical text is its JSON text (as JSON.stringify writes it). */
function readsTheSame(col: HashedColumn, v: unknown): boolean {
  if (JSON_COLUMNS.has(col) || col === 'id') return false;
  if (TIME_COLUMNS.has(col)) return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Date.prototype && Number.isFinite((v as Date).getTime());
  switch (typeof v) {
    case 'number':
    case 'boolean':
      return true;
    case 'string':
      return v.isWellFormed();
    default:
      return v === null;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'string') return wellFormed(v);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[wellFormed(k)] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

function wellFormed(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}
