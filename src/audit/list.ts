// A page of the audit list: plain filters are one keyset query; a text search (`q`) goes
// window by window (search.ts), where the planner can pick the right index.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { encodeCursor, listQuery, type AuditFilter, type Cursor, type ListedRow, type Page } from './queries.js';
import { searchRows } from './search.js';

export async function listRecords(
  db: Kysely<DB>,
  filter: AuditFilter,
  page: { limit: number; cursor: Cursor | null },
): Promise<Page<ListedRow>> {
  const rows = filter.q === undefined ? await listQuery(db, filter, page).execute() : await searchRows(db, filter, page);
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: more && last ? encodeCursor({ receivedAt: new Date(last.received_at), id: last.id }) : null,
  };
}
