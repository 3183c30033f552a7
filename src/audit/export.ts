// Whole records for export, newest first (the list's order and index), in bounded pages.
// Newest first also means an export started under live traffic ends: records arriving
// meanwhile are newer than where it began, so it never chases them.
import { sql, type Kysely } from 'kysely';
import type { AuditRow, DB } from '../db/schema.js';
import { HASHED_COLUMNS } from './canonical.js';
import { walkPages, DEFAULT_PAGE_LIMITS, type KeysetSource, type PageLimits } from './pages.js';
import { whereFilter, type AuditFilter, type Cursor } from './queries.js';

/** Every column, in a fixed order (the CSV header follows it). */
export const EXPORT_COLUMNS = [...HASHED_COLUMNS, 'hash'] as const;

export type ExportedRow = Pick<AuditRow, (typeof EXPORT_COLUMNS)[number]>;

/** Size of a row's long values; for TOASTed text, read from the pointer, not the data. */
export const ROW_BYTES = sql<number>`coalesce(octet_length(prompt), 0) + coalesce(octet_length(response), 0)
  + coalesce(pg_column_size(params), 0) + coalesce(pg_column_size(findings), 0) + 1024`;

function exportSource(db: Kysely<DB>, filter: AuditFilter): KeysetSource<Cursor, ExportedRow> {
  const base = (after: Cursor | null) => {
    let q = db.selectFrom('audit_records').where((eb) => whereFilter(eb, filter));
    if (after) q = q.where((eb) => eb(eb.refTuple('received_at', 'id'), '<', eb.tuple(after.receivedAt, after.id)));
    return q.orderBy('received_at', 'desc').orderBy('id', 'desc');
  };
  return {
    async keys(after, limit) {
      const rows = await base(after).select(['received_at', 'id', ROW_BYTES.as('bytes')]).limit(limit).execute();
      return rows.map((r) => ({ key: { receivedAt: new Date(r.received_at), id: r.id }, bytes: Number(r.bytes) }));
    },
    rows(after, through) {
      return base(after)
        .where((eb) => eb(eb.refTuple('received_at', 'id'), '>=', eb.tuple(through.receivedAt, through.id)))
        .select(EXPORT_COLUMNS)
        .execute();
    },
  };
}

/** Every matching record, newest first, one bounded page at a time. */
export function exportPages(db: Kysely<DB>, filter: AuditFilter, limits: PageLimits = DEFAULT_PAGE_LIMITS): AsyncGenerator<ExportedRow[]> {
  return walkPages(exportSource(db, filter), limits);
}
