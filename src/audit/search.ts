// Pages of a text search (`q`), newest first, one time window at a time.
//
// Postgres cannot tell how rare a substring is: it guesses from a sample of prompts, and
// a term in 0.1% of them is guessed at 0% or 1% depending on the sample. Guessed common,
// ORDER BY received_at LIMIT n becomes a walk down the time index filtering every row
// until n match: at 10 million records, half a second for such a term in a one-day
// range, seconds in a month. So the search never walks: within each window it reads
// matches through the trigram index (bitmap scans; plain index scans are off for the
// query), at a cost that follows the number of matches in the window, not the guess.
// Windows start at the newest hour and grow fourfold (1 h, 4 h, 16 h, ...: six cover a
// month), so a common term is found in the first hour and a rare one costs about as
// much as its matches (bench/audit-queries.ts).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { hasLongText, listQuery, whereFilter, type AuditFilter, type Cursor, type ListedRow, type TextScope } from './queries.js';

const FIRST_WINDOW_MS = 3_600_000;
const GROWTH = 4;

/**
 * The filters of successive windows, newest first, ending with one that reaches back to
 * `from` (or to `oldest`, the oldest record). `now` stands in for an open upper end.
 */
export function searchWindows(filter: AuditFilter, cursor: Cursor | null, oldest: Date, now: Date): Generator<AuditFilter> {
  return timeWindows(filter, cursor, Math.max(filter.from?.getTime() ?? -Infinity, oldest.getTime()), now);
}

/** How windows grow: the first one's span, and the span from which a window is the last. */
export interface WindowSpans {
  readonly firstMs: number;
  readonly lastMs: number;
}

const SEARCH_SPANS: WindowSpans = { firstMs: FIRST_WINDOW_MS, lastMs: Infinity };

/**
 * Successive windows newest first, `spans.firstMs` then four times longer each. The last
 * one reaches back to `from` (or has no lower bound): it comes once a window would reach
 * `floor` (ms; -Infinity for none) or span `spans.lastMs`. Each window keeps the filter's
 * other conditions; together they cover the filter's range exactly once.
 */
export function* timeWindows(filter: AuditFilter, cursor: Cursor | null, floor: number, now: Date, spans: WindowSpans = SEARCH_SPANS): Generator<AuditFilter> {
  // Exclusive upper bound: the cursor's own millisecond stays in (its id decides there).
  const bounds = [filter.to?.getTime(), cursor ? cursor.receivedAt.getTime() + 1 : undefined].filter((t) => t !== undefined);
  let hi: number | undefined = bounds.length ? Math.min(...bounds) : undefined;
  for (let span = spans.firstMs; ; span *= GROWTH) {
    const lo = (hi ?? now.getTime()) - span;
    if (lo <= floor || span >= spans.lastMs) {
      yield { ...filter, to: hi === undefined ? undefined : new Date(hi) };
      return;
    }
    yield { ...filter, from: new Date(lo), to: hi === undefined ? undefined : new Date(hi) };
    hi = lo;
  }
}

/** Up to `limit + 1` matching rows after the cursor, newest first (as listQuery gives). */
export async function searchRows(db: Kysely<DB>, filter: AuditFilter, page: { limit: number; cursor: Cursor | null }): Promise<ListedRow[]> {
  const { oldest } = await db.selectFrom('audit_records').select(sql<Date | null>`min(received_at)`.as('oldest')).executeTakeFirstOrThrow();
  if (oldest === null) return [];
  const want = page.limit + 1;
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('enable_indexscan', 'off', true)`.execute(trx);
    // Each window is read in its heads (TextScope), and where it holds long texts, in
    // those too: each query gives its newest matches, so the newest of both are among them.
    const long = await longTextSpan(trx, filter);
    const rows: ListedRow[] = [];
    for (const window of searchWindows(filter, page.cursor, new Date(oldest), new Date())) {
      const limit = want - rows.length - 1;
      const read = (qScope: TextScope) => listQuery(trx, { ...window, qScope }, { limit, cursor: page.cursor }).execute();
      const heads = await read('head');
      rows.push(...(long !== null && overlaps(window, long) ? mergeNewestFirst(heads, await read('long'), limit + 1) : heads));
      if (rows.length >= want) break;
    }
    return rows;
  });
}

interface Span {
  readonly first: Date;
  readonly last: Date;
}

/**
 * When the records of the filter's range with a text longer than the indexed head were
 * received, or null if there are none: a search reads long texts only in the windows that
 * have some. One look through the index of lengths; long texts are few.
 */
async function longTextSpan(db: Kysely<DB>, filter: AuditFilter): Promise<Span | null> {
  const row = await db
    .selectFrom('audit_records')
    .select([sql<Date | null>`min(received_at)`.as('first'), sql<Date | null>`max(received_at)`.as('last')])
    .where((eb) => eb.and([whereFilter(eb, { from: filter.from, to: filter.to }), hasLongText(eb)]))
    .executeTakeFirstOrThrow();
  return row.first === null || row.last === null ? null : { first: new Date(row.first), last: new Date(row.last) };
}

function overlaps(window: AuditFilter, span: Span): boolean {
  return (window.to === undefined || span.first < window.to) && (window.from === undefined || span.last >= window.from);
}

/** The first `max` rows of two lists sorted newest first, in that order, each row once. */
export function mergeNewestFirst<T extends { readonly received_at: Date | string; readonly id: string }>(a: readonly T[], b: readonly T[], max: number): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  let i = 0;
  let j = 0;
  while (out.length < max && (i < a.length || j < b.length)) {
    const next = j >= b.length || (i < a.length && newerFirst(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!;
    if (seen.has(next.id)) continue;
    seen.add(next.id);
    out.push(next);
  }
  return out;
}

/** Negative when `x` comes first in a newest-first list: later time, then greater id. */
function newerFirst(x: { readonly received_at: Date | string; readonly id: string }, y: { readonly received_at: Date | string; readonly id: string }): number {
  const dt = new Date(y.received_at).getTime() - new Date(x.received_at).getTime();
  if (dt !== 0) return dt;
  return x.id === y.id ? 0 : x.id > y.id ? -1 : 1;
}
