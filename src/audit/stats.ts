// Aggregates of the audit log for the stats API and the console's charts: per group (a
// column's value, or a minute or hour of received_at), the number of calls, errors by
// class, token sums, latency percentiles and decisions. One grouped query, bounded by a
// time range the API caps, so its cost does not grow with the size of the log.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.js';
import { whereFilter, type AuditFilter } from './queries.js';

export const GROUP_BYS = ['model', 'status', 'decision', 'key', 'caller', 'minute', 'hour'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export const TIME_GROUPS: ReadonlySet<GroupBy> = new Set(['minute', 'hour']);

/** Most groups returned for a column group-by (the busiest first). */
export const MAX_GROUPS = 100;

export interface StatsBucket {
  /** The group's value ('' when the record has none), or the ISO start of a time bucket. */
  readonly key: string;
  readonly count: number;
  readonly errors: { readonly '4xx': number; readonly '5xx': number };
  readonly tokens: { readonly prompt: number; readonly completion: number; readonly total: number };
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly decisions: { readonly allow: number; readonly flag: number; readonly redact: number; readonly block: number };
}

export interface StatsResult {
  readonly groupBy: GroupBy;
  readonly from: string;
  readonly to: string;
  readonly buckets: StatsBucket[];
}

// Time buckets with date_bin from a fixed UTC origin, not date_trunc: date_trunc on a
// timestamptz follows the session's TimeZone, which a server may set to anything.
const KEY_EXPR: Record<GroupBy, RawBuilder<unknown>> = {
  model: sql`coalesce(model, returned_model, '')`,
  status: sql`status::text`,
  decision: sql`decision`,
  key: sql`coalesce(key_fingerprint, '')`,
  caller: sql`coalesce(caller, '')`,
  minute: sql`date_bin(interval '1 minute', received_at, timestamptz '2000-01-01 00:00:00+00')`,
  hour: sql`date_bin(interval '1 hour', received_at, timestamptz '2000-01-01 00:00:00+00')`,
};

/**
 * Settings for the stats query's transaction only (SET LOCAL). The percentiles need each
 * group's rows sorted, and a day is some 300k rows: in the default 4 MB of work_mem that
 * sort spills to disk. JIT compilation costs more (~25 ms) than it saves here. With the
 * default random_page_cost (4, for spinning disks) a range covering a whole day's
 * partition is read from the table (~350 MB at 10M records) rather than from the covering
 * time index (~95 MB): 1.1, the usual value for SSDs and cached data, makes it the index
 * (~240 ms instead of ~430 ms for 24 hours by hour).
 */
export const STATS_SETTINGS = [
  ['work_mem', '64MB'],
  ['jit', 'off'],
  ['random_page_cost', '1.1'],
] as const;

/** The stats query (exported so the benchmark can EXPLAIN exactly what the API runs). */
export function statsQuery(db: Kysely<DB>, filter: AuditFilter & { from: Date; to: Date }, groupBy: GroupBy) {
  const q = db
    .selectFrom('audit_records')
    .select([
      KEY_EXPR[groupBy].as('key'),
      sql<number>`count(*)`.as('count'),
      sql<number>`count(*) filter (where status >= 400 and status < 500)`.as('e4xx'),
      sql<number>`count(*) filter (where status >= 500)`.as('e5xx'),
      sql<number>`coalesce(sum(prompt_tokens), 0)`.as('prompt_tokens'),
      sql<number>`coalesce(sum(completion_tokens), 0)`.as('completion_tokens'),
      sql<number>`coalesce(sum(total_tokens), 0)`.as('total_tokens'),
      // Interpolated percentiles (percentile_cont), as most dashboards show them.
      sql<number[]>`percentile_cont(array[0.5, 0.95, 0.99]) within group (order by duration_ms)`.as('latency'),
      sql<number>`count(*) filter (where decision = 'allow')`.as('allow'),
      sql<number>`count(*) filter (where decision = 'flag')`.as('flag'),
      sql<number>`count(*) filter (where decision = 'redact')`.as('redact'),
      sql<number>`count(*) filter (where decision = 'block')`.as('block'),
    ])
    .where((eb) => whereFilter(eb, filter))
    .groupBy(sql`1`);
  return TIME_GROUPS.has(groupBy)
    ? q.orderBy(sql`1`)
    : q.orderBy(sql`2`, 'desc').orderBy(sql`1`).limit(MAX_GROUPS);
}

export async function auditStats(
  db: Kysely<DB>,
  filter: AuditFilter & { from: Date; to: Date },
  groupBy: GroupBy,
): Promise<StatsResult> {
  const rows = await db.transaction().execute(async (trx) => {
    for (const [name, value] of STATS_SETTINGS) await sql`select set_config(${name}, ${value}, true)`.execute(trx);
    return statsQuery(trx, filter, groupBy).execute();
  });
  return {
    groupBy,
    from: filter.from.toISOString(),
    to: filter.to.toISOString(),
    buckets: rows.map((r) => {
      const [p50 = 0, p95 = 0, p99 = 0] = (r.latency ?? []).map(Number);
      return {
        key: r.key instanceof Date ? r.key.toISOString() : String(r.key),
        count: Number(r.count),
        errors: { '4xx': Number(r.e4xx), '5xx': Number(r.e5xx) },
        tokens: { prompt: Number(r.prompt_tokens), completion: Number(r.completion_tokens), total: Number(r.total_tokens) },
        latencyMs: { p50: round(p50), p95: round(p95), p99: round(p99) },
        decisions: { allow: Number(r.allow), flag: Number(r.flag), redact: Number(r.redact), block: Number(r.block) },
      };
    }),
  };
}

/** Microsecond resolution is plenty for a latency and keeps the JSON short. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
