// Reading the audit log: filtered lists in keyset pages (newest first, never OFFSET) and
// single records. Every value reaches SQL as a parameter.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { AuditRow, DB } from '../db/schema.js';

export interface StatusFilter {
  readonly exact: readonly number[];
  /** Classes as their first digit: `5xx` -> 5. */
  readonly classes: readonly number[];
}

export interface AuditFilter {
  readonly from?: Date;
  readonly to?: Date;
  readonly model?: readonly string[];
  readonly status?: StatusFilter;
  readonly decision?: readonly string[];
  readonly key?: readonly string[];
  readonly caller?: readonly string[];
  /** Text that the prompt or the response contains, case-insensitively (trigram-indexed). */
  readonly q?: string;
}

export interface Cursor {
  readonly receivedAt: Date;
  readonly id: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.receivedAt.toISOString(), c.id])).toString('base64url');
}

/** Null for anything that is not a cursor this API made. */
export function decodeCursor(s: string): Cursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    const receivedAt = new Date(v[0]);
    if (Number.isNaN(receivedAt.getTime())) return null;
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v[1])) return null;
    return { receivedAt, id: v[1] };
  } catch {
    return null;
  }
}

type Eb = ExpressionBuilder<DB, 'audit_records'>;

/** `q` as an ILIKE pattern matching it anywhere, its own `%`, `_` and `\` taken literally. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, '\\$&')}%`;
}

export function whereFilter(eb: Eb, f: AuditFilter) {
  const and = [];
  if (f.from) and.push(eb('received_at', '>=', f.from));
  if (f.to) and.push(eb('received_at', '<', f.to));
  if (f.model?.length) and.push(eb.or([eb('model', 'in', f.model), eb('returned_model', 'in', f.model)]));
  if (f.decision?.length) and.push(eb('decision', 'in', f.decision));
  if (f.key?.length) and.push(eb('key_fingerprint', 'in', f.key));
  if (f.caller?.length) and.push(eb('caller', 'in', f.caller));
  if (f.status) {
    const or = [];
    if (f.status.exact.length) or.push(eb('status', 'in', f.status.exact));
    for (const c of f.status.classes) {
      or.push(eb.and([eb('status', '>=', c * 100), eb('status', '<', c * 100 + 100)]));
    }
    if (or.length) and.push(eb.or(or));
  }
  if (f.q !== undefined) {
    const pattern = containsPattern(f.q);
    and.push(eb.or([eb('prompt', 'ilike', pattern), eb('response', 'ilike', pattern)]));
  }
  return eb.and(and);
}

/** What a list shows of a record: everything but the long texts, plus a prompt preview. */
const LIST_COLUMNS = [
  'id', 'received_at', 'completed_at', 'duration_ms', 'ttfb_ms', 'method', 'path', 'route', 'model',
  'returned_model', 'stream', 'status', 'upstream_status', 'error_code', 'key_fingerprint', 'client_ip',
  'caller', 'client_request_id', 'upstream_request_id', 'prompt_tokens', 'completion_tokens',
  'total_tokens', 'cached_tokens', 'reasoning_tokens', 'usage_source', 'decision', 'policy_version',
  'filter_ms', 'retries', 'client_aborted',
] as const;

export type ListedRow = Pick<AuditRow, (typeof LIST_COLUMNS)[number]> & { prompt_preview: string | null };

/** The list query (exported so the benchmark can EXPLAIN exactly what the API runs). */
export function listQuery(db: Kysely<DB>, filter: AuditFilter, page: { limit: number; cursor: Cursor | null }) {
  let q = db
    .selectFrom('audit_records')
    .select(LIST_COLUMNS)
    .select(sql<string | null>`left(prompt, 200)`.as('prompt_preview'))
    .where((eb) => whereFilter(eb, filter));
  const cursor = page.cursor;
  if (cursor) {
    q = q.where((eb) => eb(eb.refTuple('received_at', 'id'), '<', eb.tuple(cursor.receivedAt, cursor.id)));
  }
  return q
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
}

export async function getRecord(db: Kysely<DB>, id: string): Promise<AuditRow | null> {
  const row = await db.selectFrom('audit_records').selectAll().where('id', '=', id).executeTakeFirst();
  return row ?? null;
}
