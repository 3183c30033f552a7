// Seeds a scratch schema of a Postgres server with N audit records entirely in SQL
// (insert ... select from generate_series), which is what makes 10 million rows a matter of
// minutes: nothing crosses the wire. The secondary indexes are dropped first and rebuilt
// from their own definitions afterwards (bulk loading then indexing is several times
// faster than maintaining ten indexes row by row), so the benchmark measures exactly the
// indexes the migrations made.
//
// Distributions, roughly like a busy gateway's month: times evenly over the last 30 days
// in arrival order (as the writer inserts them), at millisecond precision (as JavaScript
// writes them); models skewed (55% gpt-4o-mini ... 1% o3); status mostly 200 with 3% 429
// and 1.5% 5xx; 50 callers and 200 keys with a few busy ones and a long tail; decisions
// 93% allow; prompts of 250-500 characters drawn from a pool of 20,000 texts, with
// 'nightingale' in 0.1% of them and 'kubernetes' in 1%, each ending with a unique ticket
// number ('TCK-<n>') for needle-in-a-haystack searches.
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { DB } from '../src/db/schema.js';
import { ensurePartitions } from '../src/db/partitions.js';

const DAY_MS = 86_400_000;
export const SEED_DAYS = 30;

const WORDS = [
  'the', 'a', 'please', 'summarise', 'report', 'invoice', 'customer', 'account', 'order', 'shipment', 'refund', 'policy',
  'contract', 'meeting', 'notes', 'draft', 'email', 'reply', 'translate', 'french', 'german', 'code', 'review', 'python',
  'function', 'error', 'stack', 'trace', 'database', 'query', 'latency', 'budget', 'forecast', 'quarter', 'revenue',
  'marketing', 'campaign', 'product', 'launch', 'roadmap', 'feature', 'request', 'ticket', 'support', 'escalation',
  'security', 'review', 'audit', 'compliance', 'gdpr', 'retention', 'backup', 'server', 'network', 'outage', 'incident',
  'postmortem', 'timeline', 'owner', 'action', 'items', 'and', 'with', 'for', 'about', 'from', 'into', 'our', 'their',
];

export interface SeedOptions {
  readonly rows: number;
  /**
   * A connection to the same schema for the index builds and VACUUM, which take many
   * minutes at 10 million rows: longer than the sidecar pool's query timeout allows.
   */
  readonly maintenance: pg.Client;
  readonly log: (line: string) => void;
}

export async function seedAuditRecords(db: Kysely<DB>, opts: SeedOptions): Promise<void> {
  const now = Date.now();
  const start = now - SEED_DAYS * DAY_MS;
  for (let t = start; t <= now; t += DAY_MS) await ensurePartitions(db, new Date(t), 1);

  const { rows: indexes } = await sql<{ name: string; def: string }>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = current_schema() and tablename = 'audit_records' and indexname <> 'audit_records_pkey'`.execute(db);
  for (const ix of indexes) await sql`drop index ${sql.id(ix.name)}`.execute(db);
  opts.log(`dropped ${indexes.length} secondary indexes for the load`);

  await sql`drop table if exists bench_prompts, bench_responses`.execute(db);
  // Each row's text references g, so that Postgres draws new random words for every row.
  await sql`
    create table bench_prompts as
    select g as i,
      (select string_agg((${WORDS}::text[])[1 + floor(random() * ${WORDS.length})::int], ' ')
         from generate_series(1, 40 + g % 35 + 0 * g))
      || case when g % 1000 = 7 then ' about project nightingale' else '' end
      || case when g % 100 = 3 then ' deploy it on kubernetes' else '' end as text
    from generate_series(0, 19999) g`.execute(db);
  await sql`
    create table bench_responses as
    select g as i, (select string_agg((${WORDS}::text[])[1 + floor(random() * ${WORDS.length})::int], ' ')
      from generate_series(1, 20 + g % 60 + 0 * g)) as text
    from generate_series(0, 4999) g`.execute(db);

  const chunk = 500_000;
  const stepMs = (SEED_DAYS * DAY_MS) / opts.rows;
  const t0 = performance.now();
  for (let from = 1; from <= opts.rows; from += chunk) {
    const to = Math.min(opts.rows, from + chunk - 1);
    await sql`
      insert into audit_records (
        id, received_at, completed_at, duration_ms, ttfb_ms, method, path, route, model, returned_model, stream,
        status, upstream_status, error_code, upstream_error, key_fingerprint, client_ip, caller, client_request_id,
        upstream_request_id, params, prompt, prompt_storage, response, response_storage, prompt_tokens,
        completion_tokens, total_tokens, cached_tokens, reasoning_tokens, usage_source, decision, findings,
        policy_version, filter_ms, retries, request_bytes, response_bytes, client_aborted)
      select
        gen_random_uuid(), t.at, t.at + make_interval(secs => d.ms / 1000), d.ms, d.ms * 0.3,
        'POST', '/v1/chat/completions', 'chat.completions', m.model, m.model || '-2026-01-01', r.r5 < 0.4,
        s.status, s.status, case when s.status >= 400 then 'upstream_error' end, null,
        lpad(to_hex(floor(200 * r.r3 ^ 2)::int), 12, '0'), '10.0.' || (g % 250) || '.' || (g % 199),
        'svc-' || floor(50 * r.r4 ^ 2)::int, null, 'req_' || g, '{"temperature":0.7}'::jsonb,
        p.text || ' ticket TCK-' || g, 'full', resp.text, 'full',
        length(p.text) / 4, 20 + floor(r.r6 * 800)::int, length(p.text) / 4 + 20 + floor(r.r6 * 800)::int, null, null,
        'upstream', case when r.r7 < 0.93 then 'allow' when r.r7 < 0.97 then 'flag' when r.r7 < 0.99 then 'redact' else 'block' end,
        '[]'::jsonb, 'v1', r.r6 * 2, 0, length(p.text) + 200, 300 + length(resp.text), false
      from generate_series(${from}::bigint, ${to}::bigint) g
      cross join lateral (select random() + 0 * g as r1, random() + 0 * g as r2, random() + 0 * g as r3, random() + 0 * g as r4,
                                 random() + 0 * g as r5, random() + 0 * g as r6, random() + 0 * g as r7, random() + 0 * g as r8) r
      cross join lateral (select date_trunc('milliseconds', to_timestamp(${start / 1000}::float8 + g * ${stepMs / 1000}::float8)) as at) t
      cross join lateral (select 50 + 4000 * r.r1 ^ 3 as ms) d
      cross join lateral (select case when r.r2 < 0.55 then 'gpt-4o-mini' when r.r2 < 0.80 then 'gpt-4o' when r.r2 < 0.90 then 'gpt-5.5'
                                      when r.r2 < 0.96 then 'claude-sonnet' when r.r2 < 0.99 then 'llama-3-70b' else 'o3' end as model) m
      cross join lateral (select case when r.r8 < 0.95 then 200 when r.r8 < 0.98 then 429 when r.r8 < 0.99 then 500
                                      when r.r8 < 0.995 then 503 when r.r8 < 0.998 then 400 else 502 end as status) s
      join bench_prompts p on p.i = (g * 7919) % 20000
      join bench_responses resp on resp.i = (g * 104729) % 5000
    `.execute(db);
    const done = to;
    const rate = done / ((performance.now() - t0) / 1000);
    opts.log(`inserted ${done.toLocaleString('en')} / ${opts.rows.toLocaleString('en')} rows (${Math.round(rate).toLocaleString('en')} rows/s)`);
  }
  await sql`drop table bench_prompts, bench_responses`.execute(db);

  // maintenance_work_mem: btree builds sort in memory, GIN builds batch in it.
  await opts.maintenance.query(`set maintenance_work_mem = '1GB'`);
  await opts.maintenance.query('set max_parallel_maintenance_workers = 2');
  for (const ix of indexes) {
    const t = performance.now();
    // pg_indexes shows a partitioned index as `ON ONLY <parent>`, which would index the
    // parent alone: without ONLY it is built on every partition.
    await opts.maintenance.query(ix.def.replace(' ON ONLY ', ' ON '));
    opts.log(`built ${ix.name} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const t = performance.now();
  // VACUUM sets the visibility map, so index-only scans need not visit the heap, as
  // autovacuum would have done on a table that grew over a month.
  await opts.maintenance.query('vacuum (analyze) audit_records');
  opts.log(`vacuum analyze in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
