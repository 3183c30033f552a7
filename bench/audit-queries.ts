// The audit API at scale, end to end: seeds N records (default 10,000,000) into a scratch
// schema of a real Postgres server (bench/audit-seed.ts), starts a sidecar on it, and
// times real HTTP requests to the admin API (first and deep keyset pages, filtered pages,
// text search, stats, an export), then prints p50/p95 against the goals and the
// EXPLAIN (ANALYZE, BUFFERS) of the SQL behind each request. Not part of `npm test`.
//
//   npm run build && node dist/bench/audit-queries.js [--rows 10000000]
//     [--url postgres://postgres@127.0.0.1:5432/test] [--reps 30]
//     [--schema NAME --keep]   keep the seeded schema for another run
//     [--schema NAME --reuse]  measure an already seeded schema again
//     [--skip-explain]         timings only
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Compilable, type Kysely } from 'kysely';
import pg from 'pg';
import { encodeCursor, listQuery } from '../src/audit/queries.js';
import type { AuditRecord } from '../src/audit/record.js';
import { LIST_SPANS } from '../src/audit/list.js';
import { timeWindows } from '../src/audit/search.js';
import { STATS_SETTINGS, statsQuery } from '../src/audit/stats.js';
import { loadConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { auditQuerySchema, parseQuery, statsQuerySchema, statsRange, toFilter } from '../src/http/admin/params.js';
import { createLogger } from '../src/logger.js';
import { uuidv7 } from '../src/ids.js';
import { startSidecar, type RunningSidecar } from '../src/sidecar.js';
import { seedAuditRecords } from './audit-seed.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    schema: { type: 'string' },
    reps: { type: 'string', default: '30' },
    reuse: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'skip-explain': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const REPS = Number(args.reps);
const SCHEMA = args.schema ?? `bench_audit_${process.pid}`;
const TOKEN = 'bench-admin-token-0123456789abcdef';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

type Kind = 'list' | 'stats';
interface Scenario {
  readonly group: 'page' | 'filtered' | 'q' | 'stats';
  readonly name: string;
  readonly kind: Kind;
  readonly query: string;
}

const GOALS: Record<Scenario['group'], number> = { page: 20, filtered: 50, q: 500, stats: 1_000 };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function scenarios(db: Kysely<DB>): Promise<Scenario[]> {
  const now = Date.now();
  const cursorAt = async (t: number, where = sql`true`) => {
    const { rows } = await sql<{ received_at: Date; id: string }>`
      select received_at, id from audit_records where received_at < ${new Date(t)} and ${where}
      order by received_at desc, id desc limit 1`.execute(db);
    return encodeCursor({ receivedAt: rows[0]!.received_at, id: rows[0]!.id });
  };
  const iso = (t: number) => new Date(t).toISOString();
  const list = (group: Scenario['group'], name: string, query: string): Scenario => ({ group, name, kind: 'list', query });
  const stats = (name: string, query: string): Scenario => ({ group: 'stats', name, kind: 'stats', query });
  return [
    list('page', 'first page (50)', 'limit=50'),
    list('page', 'deep page, 10 days back', `limit=50&cursor=${await cursorAt(now - 10 * DAY)}`),
    list('page', 'deep page, 29 days back', `limit=50&cursor=${await cursorAt(now - 29 * DAY)}`),
    list('filtered', 'model=o3 (1%)', 'model=o3'),
    list('filtered', 'model=gpt-4o-mini (55%)', 'model=gpt-4o-mini'),
    list('filtered', 'status=5xx (1.5%)', 'status=5xx'),
    list('filtered', 'status=429 (3%)', 'status=429'),
    list('filtered', 'caller=svc-49 (1%)', 'caller=svc-49'),
    list('filtered', 'key (rare)', 'key=0000000000c7'),
    list('filtered', 'decision=block (1%)', 'decision=block'),
    list('filtered', 'one hour, 10 days back', `from=${iso(now - 10 * DAY - HOUR)}&to=${iso(now - 10 * DAY)}`),
    list('filtered', 'model+status+caller', 'model=gpt-4o&status=429&caller=svc-3'),
    list('filtered', 'model=o3, deep (20 days)', `model=o3&cursor=${await cursorAt(now - 20 * DAY, sql`model = 'o3'`)}`),
    list('q', 'q=nightingale (0.1%)', 'q=nightingale'),
    list('q', 'q=kubernetes (1%)', 'q=kubernetes'),
    list('q', 'q=TCK-4242424 (11 rows)', 'q=TCK-4242424'),
    list('q', 'q=invoice (common)', 'q=invoice'),
    list('q', 'q=no-such-text (none)', 'q=zqxjkv'),
    list('q', 'q=nightingale&model=o3', 'q=nightingale&model=o3'),
    list('q', 'q=kubernetes, last 24 h', `q=kubernetes&from=${iso(now - DAY)}`),
    list('q', 'q=nightingale, page 10 days back', `q=nightingale&cursor=${await cursorAt(now - 10 * DAY)}`),
    stats('24 h by hour', 'groupBy=hour'),
    stats('24 h by model', 'groupBy=model'),
    stats('24 h by caller', 'groupBy=caller'),
    stats('24 h by hour, model=gpt-4o', 'groupBy=hour&model=gpt-4o'),
    stats('1 h by minute', `groupBy=minute&from=${iso(now - HOUR)}`),
    stats('24 h by hour, q=kubernetes', 'groupBy=hour&q=kubernetes'),
  ];
}

/**
 * The SQL the API runs for a scenario, built by the same code from the same parameters
 * (its first time window: later ones differ only in their time bounds).
 */
function compiled(db: Kysely<DB>, s: Scenario): Compilable {
  const params = Object.fromEntries(new URLSearchParams(s.query));
  if (s.kind === 'list') {
    const q = parseQuery(auditQuerySchema, params);
    const page = { limit: q.limit, cursor: q.cursor ?? null };
    const filter = toFilter(q);
    const spans = filter.q === undefined ? LIST_SPANS : undefined;
    const first = timeWindows(filter, page.cursor, filter.from?.getTime() ?? -Infinity, new Date(), spans).next().value!;
    return listQuery(db, first, page);
  }
  const q = parseQuery(statsQuerySchema, params);
  return statsQuery(db, { ...toFilter(q), ...statsRange(q) }, q.groupBy);
}

async function time(adminUrl: string, s: Scenario): Promise<{ ms: number[]; items: number }> {
  const path = s.kind === 'list' ? '/audit/requests' : '/audit/stats';
  const get = async () => {
    const t = performance.now();
    const res = await fetch(`${adminUrl}${path}?${s.query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { items?: unknown[]; buckets?: unknown[] };
    if (res.status !== 200) throw new Error(`${s.name}: ${res.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - t, items: (body.items ?? body.buckets ?? []).length };
  };
  await get();
  await get(); // warm: plans cached, pages in memory, as on a server in use
  const ms: number[] = [];
  let items = 0;
  const deadline = performance.now() + 60_000;
  while (ms.length < REPS && (ms.length < 5 || performance.now() < deadline)) {
    const r = await get();
    ms.push(r.ms);
    items = r.items;
  }
  return { ms: ms.sort((a, b) => a - b), items };
}

async function exportRun(adminUrl: string): Promise<string> {
  const from = new Date(Date.now() - 7 * HOUR).toISOString();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t = performance.now();
  const res = await fetch(`${adminUrl}/audit/export?format=csv&from=${from}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) lines++;
  }
  clearInterval(sampler);
  const s = (performance.now() - t) / 1000;
  return `export csv, last 7 h: ${lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(0)} MB in ${s.toFixed(1)} s ` +
    `(${Math.round(lines / s).toLocaleString('en')} rows/s); process RSS ${(rss0 / 1e6).toFixed(0)} MB -> peak ${(peak / 1e6).toFixed(0)} MB`;
}

/** Writes `n` records through the sidecar's own writer (so hash-chained), then times GET /audit/verify over them. */
async function verifyRun(sidecar: RunningSidecar, n: number): Promise<string> {
  // Two days ahead: a partition of its own (made ahead of time), so that writing and then
  // deleting these leaves the seeded partitions and their visibility maps as they were.
  const base = Date.now() + 2 * DAY;
  for (let i = 0; i < n; i++) {
    const receivedAt = new Date(base + i);
    const record: AuditRecord = {
      id: uuidv7(), receivedAt, completedAt: new Date(base + i + 500), durationMs: 500 + (i % 97) / 7, ttfbMs: 120.5,
      method: 'POST', path: '/v1/chat/completions', route: 'chat.completions', model: 'gpt-4o-mini', returnedModel: 'gpt-4o-mini-2026',
      stream: false, status: 200, upstreamStatus: 200, errorCode: null, upstreamError: null, keyFingerprint: '00000000002a',
      clientIp: '10.0.0.1', caller: 'svc-verify', clientRequestId: null, upstreamRequestId: `req_${i}`, params: { temperature: 0.7 },
      prompt: `verify benchmark prompt ${i} `.repeat(12), promptStorage: 'full', response: `a response ${i} `.repeat(8), responseStorage: 'full',
      promptTokens: 80, completionTokens: 40, totalTokens: 120, cachedTokens: null, reasoningTokens: null, usageSource: 'upstream',
      decision: 'allow', findings: [], policyVersion: 'v1', filterMs: 0.4, retries: 0, requestBytes: 400, responseBytes: 300, clientAborted: false,
    };
    sidecar.ctx.audit.write(record);
    if (i % 5_000 === 4_999) await sidecar.ctx.audit.drain(60_000);
  }
  await sidecar.ctx.audit.drain(60_000);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t = performance.now();
  const res = await fetch(`${sidecar.adminUrl}/audit/verify?from=${new Date(base).toISOString()}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json()) as { ok: boolean; checked: number };
  clearInterval(sampler);
  const s = (performance.now() - t) / 1000;
  // Leave the seeded data set as it was, for a run with --reuse. The rows go, and so do
  // their dead versions (a vacuum): a first page's plan includes the days ahead, and an
  // index scan there would step over 100,000 dead entries on every later run.
  const db = sidecar.ctx.database.db;
  await sql`delete from audit_records where caller = 'svc-verify' and received_at >= ${new Date(base)}`.execute(db);
  const day = new Date(base).toISOString().slice(0, 10).replaceAll('-', '');
  await sql`vacuum (analyze) ${sql.table(`audit_records_p${day}`)}`.execute(db);
  return `verify ${body.checked.toLocaleString('en')} chained records: ok=${body.ok} in ${s.toFixed(1)} s ` +
    `(${Math.round(body.checked / s).toLocaleString('en')} records/s); process RSS ${(rss0 / 1e6).toFixed(0)} MB -> peak ${(peak / 1e6).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  const policyDir = join(work, 'policies');
  cpSync(new URL('../../policies', import.meta.url), policyDir, { recursive: true });
  const config = loadConfig({
    UPSTREAM_URL: 'http://127.0.0.1:9/v1',
    DATABASE_URL: args.url,
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
    DATA_DIR: work,
    POLICY_DIR: policyDir,
    ADMIN_TOKENS: TOKEN,
    LOG_LEVEL: 'warn',
  });
  const sidecar = await startSidecar(config, { schema: SCHEMA, watchPolicies: false, logger: createLogger('warn') });
  const db = sidecar.ctx.database.db;
  const client = new pg.Client({ connectionString: args.url, options: `-c search_path=${SCHEMA}` });
  await client.connect();
  try {
    const { rows } = await sql<{ n: number }>`select count(*) as n from audit_records`.execute(db);
    const present = Number(rows[0]!.n);
    if (args.reuse && present > 0) {
      log(`reusing schema ${SCHEMA}: ${present.toLocaleString('en')} records`);
    } else {
      if (present > 0) throw new Error(`schema ${SCHEMA} already holds records: pass --reuse, or another --schema`);
      log(`seeding ${ROWS.toLocaleString('en')} records into schema ${SCHEMA}`);
      await seedAuditRecords(db, { rows: ROWS, maintenance: client, log });
    }
    const size = await client.query<{ heap: string; indexes: string }>(`
      select pg_size_pretty(sum(pg_table_size(inhrelid))) as heap, pg_size_pretty(sum(pg_indexes_size(inhrelid))) as indexes
      from pg_inherits where inhparent = 'audit_records'::regclass`);
    log(`audit_records: table ${size.rows[0]!.heap}, indexes ${size.rows[0]!.indexes}`);

    const list = await scenarios(db);
    const results: string[] = [];
    const plans: string[] = [];
    for (const s of list) {
      const r = await time(sidecar.adminUrl, s);
      const goal = GOALS[s.group];
      const p50 = pct(r.ms, 0.5);
      const p95 = pct(r.ms, 0.95);
      const line = `${s.group.padEnd(9)}${s.name.padEnd(34)}${String(r.items).padStart(6)}${p50.toFixed(1).padStart(10)}${p95.toFixed(1).padStart(10)}${`<= ${goal}`.padStart(10)}  ${p95 <= goal ? 'ok' : 'MISSED'}  (n=${r.ms.length}, max ${r.ms[r.ms.length - 1]!.toFixed(1)})`;
      results.push(line);
      log(line);
      if (!args['skip-explain']) {
        const c = compiled(db, s).compile();
        // As the API runs it: stats and searches in a transaction with their own settings.
        await client.query('begin');
        if (s.kind === 'stats') for (const [name, value] of STATS_SETTINGS) await client.query('select set_config($1, $2, true)', [name, value]);
        if (s.query.includes('q=') && s.kind === 'list') await client.query(`select set_config('enable_indexscan', 'off', true)`);
        const plan = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${c.sql}`, c.parameters as unknown[]);
        await client.query('commit');
        plans.push(`--- ${s.group}: ${s.name}  (GET ${s.kind === 'list' ? '/audit/requests' : '/audit/stats'}?${s.query.slice(0, 120)})\n${plan.rows.map((p) => p['QUERY PLAN']).join('\n')}`);
      }
    }
    const exported = await exportRun(sidecar.adminUrl);
    const verified = await verifyRun(sidecar, 100_000);
    process.stdout.write(`\nEXPLAIN (ANALYZE, BUFFERS) of each request's SQL\n\n${plans.join('\n\n')}\n`);
    process.stdout.write(
      `\nAudit API at ${Number((await sql<{ n: number }>`select count(*) as n from audit_records`.execute(db)).rows[0]!.n).toLocaleString('en')} records, end to end over HTTP (ms)\n` +
        `${'group'.padEnd(9)}${'request'.padEnd(34)}${'items'.padStart(6)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'goal p95'.padStart(10)}\n` +
        `${results.join('\n')}\n${exported}\n${verified}\n`,
    );
  } finally {
    await sidecar.close();
    if (!args.keep) {
      await client.query(`drop schema if exists "${SCHEMA}" cascade`);
      log(`dropped schema ${SCHEMA}`);
    }
    await client.end();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
