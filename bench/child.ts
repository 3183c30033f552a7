// One benchmark child process: `node dist/bench/child.js <role> <settings-json>`.
// Roles: `standin` (the bundled upstream), `sidecar` (the real sidecar via startSidecar),
// `ingest` (the audit writer alone against the database). The parent talks to it over
// IPC: the child sends `{ready}` once, then answers `{id, cmd, args}` with `{id, ok, ...}`.
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { sql } from 'kysely';
import { SpooledAuditLog } from '../src/audit/spool/index.js';
import type { AuditRecord } from '../src/audit/record.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { uuidv7 } from '../src/ids.js';
import { startSidecar, type RunningSidecar } from '../src/sidecar.js';
import { startStandin } from '../src/standin/index.js';
import { MODEL, prose } from './lib/corpus.js';

type Handler = (args: unknown) => Promise<unknown> | unknown;

interface Message {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

const send = (m: unknown) => process.send?.(m);

function serve(handlers: Record<string, Handler>, close: () => Promise<void>): void {
  process.on('message', (m: Message) => {
    if (m.cmd === 'exit') {
      close().then(
        () => process.exit(0),
        (err: Error) => {
          process.stderr.write(`close failed: ${err.stack}\n`);
          process.exit(1);
        },
      );
      return;
    }
    const h = handlers[m.cmd];
    if (!h) return send({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    Promise.resolve()
      .then(() => h(m.args))
      .then(
        (result) => send({ id: m.id, ok: true, result }),
        (err: Error) => send({ id: m.id, ok: false, error: err.stack ?? String(err) }),
      );
  });
  // The parent going away must never leave a child behind.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
}

const mem = () => ({ ...process.memoryUsage(), pid: process.pid });

/** Live heap after a full collection (needs --expose-gc; NaN without it). */
const gc = () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) return { heapUsed: Number.NaN, rss: process.memoryUsage().rss };
  collect();
  collect();
  return { heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
};

async function countRecords(db: Database): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from audit_records`.execute(db.db);
  return r.rows[0]?.n ?? 0;
}

async function standin(settings: { chunkDelayMs?: number }): Promise<void> {
  const s = await startStandin({ port: 0, host: '127.0.0.1', chunkDelayMs: settings.chunkDelayMs ?? 0, maxRecorded: 0 });
  serve({ mem }, () => s.close());
  send({ ready: { url: s.url, pid: process.pid } });
}

interface SidecarSettings {
  readonly env: Record<string, string>;
  readonly schema?: string;
}

async function sidecar(settings: SidecarSettings): Promise<void> {
  const config = loadConfig(settings.env, { requireUpstream: true });
  const sc: RunningSidecar = await startSidecar(config, { schema: settings.schema, watchPolicies: false });
  const { ctx } = sc;
  serve(
    {
      mem,
      gc,
      audit: () => ctx.audit.stats(),
      async drain(args) {
        // Records are written from 'close' handlers: let the last ones run first.
        await new Promise((r) => setTimeout(r, 100));
        const t0 = performance.now();
        const drained = await ctx.audit.drain((args as { timeoutMs?: number } | null)?.timeoutMs ?? 120_000);
        return { drained, ms: performance.now() - t0, stats: ctx.audit.stats() };
      },
      count: () => countRecords(ctx.database),
      clientRequestIds: async (args) => {
        const prefix = (args as { prefix: string }).prefix;
        const r = await sql<{ id: string }>`select client_request_id as id from audit_records where client_request_id like ${`${prefix}%`}`.execute(ctx.database.db);
        return r.rows.map((row) => row.id);
      },
      // A heap snapshot after a full collection, to find what a soak leaves behind.
      snapshot: (args) => {
        gc();
        return writeHeapSnapshot((args as { file: string }).file);
      },
    },
    () => sc.close(),
  );
  send({
    ready: {
      proxyUrl: sc.proxyUrl,
      adminUrl: sc.adminUrl,
      database: ctx.database.kind,
      policyVersion: ctx.policies.status().version,
      policyErrors: sc.registry.errors.length,
      pid: process.pid,
    },
  });
}

interface IngestSettings {
  readonly url: string | null;
  readonly dataDir: string;
  readonly schema?: string;
}

interface IngestArgs {
  readonly records: number;
  readonly promptChars: number;
  /** config.audit of the sidecar (loadConfig defaults): the spool is set up from it as src/sidecar.ts does. */
  readonly audit: {
    readonly commitMs: number;
    readonly spoolMaxBytes: number;
    readonly segmentBytes: number;
    readonly bufferMaxBytes: number;
    readonly batchSize: number;
    readonly maxTextChars: number;
  };
}

/** A record shaped like one of a redacted 2 KB chat call. */
function sampleRecord(i: number, prompt: string): AuditRecord {
  const now = new Date();
  return {
    id: uuidv7(now.getTime()),
    receivedAt: now,
    completedAt: new Date(now.getTime() + 3),
    durationMs: 3.2,
    ttfbMs: 2.1,
    method: 'POST',
    path: '/chat/completions',
    route: 'chat.completions',
    model: MODEL,
    returnedModel: MODEL,
    stream: i % 4 === 0,
    status: 200,
    upstreamStatus: 200,
    errorCode: null,
    upstreamError: null,
    keyFingerprint: 'a1b2c3d4e5f6',
    clientIp: '127.0.0.1',
    caller: `service-${i % 7}`,
    clientRequestId: null,
    upstreamRequestId: `chatcmpl-${i}`,
    params: { temperature: 0.2 },
    prompt,
    promptStorage: 'redacted',
    response: 'You said: ' + prompt.slice(0, 200),
    responseStorage: 'redacted',
    promptTokens: 512,
    completionTokens: 52,
    totalTokens: 564,
    cachedTokens: 0,
    reasoningTokens: 0,
    usageSource: 'upstream',
    decision: i % 10 === 0 ? 'redact' : 'allow',
    findings:
      i % 10 === 0
        ? [{ rule: 'pii', policy: 'default', detector: 'email', phase: 'input', action: 'redact', enforced: true, count: 1, locations: [{ segment: 1, start: 10, end: 30, hash: '0123456789abcdef' }] }]
        : [],
    policyVersion: 'bench',
    filterMs: 0.4,
    retries: 0,
    requestBytes: prompt.length + 150,
    responseBytes: 600,
    clientAborted: false,
  };
}

async function ingest(settings: IngestSettings): Promise<void> {
  const database = await openDatabase({ url: settings.url, dataDir: settings.dataDir, schema: settings.schema });
  await migrateToLatest(database);
  serve(
    {
      mem,
      count: () => countRecords(database),
      /** Diagnostics only: e.g. drop an index to see what it costs. */
      exec: async (text) => void (await sql.raw(String(text)).execute(database.db)),
      async ingest(raw) {
        const a = raw as IngestArgs;
        const prompt = prose(a.promptChars, 11);
        let events = 0;
        // The same writer, set up the same way, as src/sidecar.ts composes it.
        const log = await SpooledAuditLog.open({
          db: database.db,
          dir: join(settings.dataDir, `spool-${Date.now()}`),
          maxTextChars: a.audit.maxTextChars,
          limits: {
            commitMs: a.audit.commitMs,
            maxBytes: a.audit.spoolMaxBytes,
            segmentMaxBytes: Math.min(a.audit.segmentBytes, a.audit.spoolMaxBytes),
            maxBufferBytes: a.audit.bufferMaxBytes,
            batchRows: a.audit.batchSize,
          },
          onEvent: (e) => {
            if (e.type !== 'recovered') events++;
          },
        });
        const before = await countRecords(database);
        const t0 = performance.now();
        let pushed = 0;
        let lastSpooled: Promise<void> = Promise.resolve();
        // As fast as it takes them, keeping the in-memory commit buffer small (no drops).
        const deadline = t0 + 600_000;
        while (pushed < a.records) {
          if (performance.now() > deadline) throw new Error(`the spool took only ${pushed} records in 10 minutes`);
          const n = log.stats().bufferedRecords < 4_000 ? Math.min(1_000, a.records - pushed) : 0;
          for (let k = 0; k < n; k++) lastSpooled = log.write(sampleRecord(pushed++, prompt));
          await new Promise((r) => setTimeout(r, n > 0 ? 0 : 1));
        }
        const spooledOk = await lastSpooled.then(
          () => true,
          () => false,
        );
        const spooledMs = performance.now() - t0;
        const drained = await log.drain(600_000);
        const elapsedMs = performance.now() - t0;
        const stats = log.stats();
        await log.close(30_000);
        const after = await countRecords(database);
        return { records: a.records, landed: after - before, drained, spooledOk, spooledMs, elapsedMs, errors: stats.writeErrors + stats.spoolErrors, dropped: stats.dropped, events };
      },
    },
    () => database.close(),
  );
  send({ ready: { database: database.kind, pid: process.pid } });
}

const [role, json] = process.argv.slice(2);
const settings = JSON.parse(json ?? '{}') as never;
const roles: Record<string, (s: never) => Promise<void>> = { standin, sidecar, ingest };
const start = roles[role ?? ''];
if (!start) {
  process.stderr.write(`unknown role ${role}\n`);
  process.exit(2);
}
start(settings).catch((err: Error) => {
  process.stderr.write(`${role} failed to start: ${err.stack}\n`);
  send({ error: err.message });
  setTimeout(() => process.exit(1), 100);
});
