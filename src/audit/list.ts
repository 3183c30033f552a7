// A page of the audit list, newest first, one time window at a time.
//
// The records are partitioned by day. A query with no lower time bound is planned against
// every partition (a month of them, with their indexes), and planning then costs far more
// than running it: 10-20 ms against under 1 ms for the first page. So a page is read
// window by window, newest first: each window's bounds prune the plan to a few
// partitions, and a log that had any traffic today fills the first page from the first
// window. Windows span a day, then four days, then one last window reaches back to `from`
// or to the beginning, so a rare filter costs at most three short queries (an index scan
// stops at the page's last row, so a longer window costs only planning). A text search
// (`q`) goes window by window too (search.ts), with its own spans.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { encodeCursor, listQuery, type AuditFilter, type Cursor, type ListedRow, type Page } from './queries.js';
import { searchRows, timeWindows, type WindowSpans } from './search.js';

const DAY_MS = 86_400_000;
/** 1 day, 4 days, then the rest. */
export const LIST_SPANS: WindowSpans = { firstMs: DAY_MS, lastMs: 16 * DAY_MS };

export async function listRecords(
  db: Kysely<DB>,
  filter: AuditFilter,
  page: { limit: number; cursor: Cursor | null },
): Promise<Page<ListedRow>> {
  const rows = filter.q === undefined ? await listRows(db, filter, page) : await searchRows(db, filter, page);
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: more && last ? encodeCursor({ receivedAt: new Date(last.received_at), id: last.id }) : null,
  };
}

/** Up to `limit + 1` rows after the cursor, newest first. */
export async function listRows(db: Kysely<DB>, filter: AuditFilter, page: { limit: number; cursor: Cursor | null }): Promise<ListedRow[]> {
  const want = page.limit + 1;
  const rows: ListedRow[] = [];
  const floor = filter.from?.getTime() ?? -Infinity;
  for (const window of timeWindows(filter, page.cursor, floor, new Date(), LIST_SPANS)) {
    rows.push(...(await listQuery(db, window, { limit: want - rows.length - 1, cursor: page.cursor }).execute()));
    if (rows.length >= want) break;
  }
  return rows;
}
