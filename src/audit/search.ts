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
import { listQuery, type AuditFilter, type Cursor, type ListedRow } from './queries.js';

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
    const rows: ListedRow[] = [];
    for (const window of searchWindows(filter, page.cursor, new Date(oldest), new Date())) {
      rows.push(...(await listQuery(trx, window, { limit: want - rows.length - 1, cursor: page.cursor }).execute()));
      if (rows.length >= want) break;
    }
    return rows;
  });
}
