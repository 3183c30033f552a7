// No record lost: the database cut mid-traffic (every record lands once it returns),
// SIGKILL with unshipped records (replayed on restart), and strict mode (AUDIT_REQUIRED)
// refusing calls with 503 when the spool cannot take records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { startStandin, type Standin } from '../../src/standin/index.js';
import { childEnv, ensureBuilt, startChild, withSearchPath } from '../support/child.js';
import { backends, startHarness, type Harness } from '../support/harness.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy.js';

const SERVER = process.env.TEST_DATABASE_URL;
const POLICY = 'name: p\nrules:\n  - id: s\n    detector: secret\n    action: block\n';

async function count(db: Database, caller: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_records where caller = ${caller}`.execute(db.db);
  return rows[0]!.n;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(backends().includes('server'))('durability against a real server', () => {
  let tcp: TcpProxy;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    tcp = await startTcpProxy(Number(new URL(SERVER!).port || 5432));
  });
  afterEach(async () => {
    tcp.restore();
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await tcp?.close();
  });

  it('loses no record when the database is cut mid-traffic, and readiness stays up', async () => {
    const h: Harness = await startHarness({ backend: 'server', policies: { 'p.yaml': POLICY }, env: { DATABASE_URL: viaProxy(SERVER!, tcp.port) } });
    cleanups.push(() => h.close());
    const call = (i: number) =>
      h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `n ${i}` }] }, { headers: { 'x-caller': 'outage' } });
    for (let i = 0; i < 50; i++) await call(i);
    tcp.cut();
    for (let i = 50; i < 250; i++) await call(i); // every call still answered
    const ready = await (await fetch(`${h.proxyUrl}/readyz`)).json();
    expect(ready).toMatchObject({ ready: true, database: { ok: false } });
    expect(ready.audit.backlogRecords).toBeGreaterThan(0);
    tcp.restore();
    expect(await h.sidecar.ctx.audit.drain(30_000)).toBe(true);
    expect(await count(h.sidecar.ctx.database, 'outage')).toBe(250);
    expect(h.sidecar.ctx.audit.stats().dropped).toBe(0);
  });

  it('refuses calls with 503 in strict mode once the spool is full, and takes them again after', async () => {
    const h: Harness = await startHarness({
      backend: 'server',
      policies: { 'p.yaml': POLICY },
      env: { DATABASE_URL: viaProxy(SERVER!, tcp.port), AUDIT_REQUIRED: 'true', AUDIT_SPOOL_MAX_BYTES: '20000', AUDIT_SPOOL_SEGMENT_BYTES: '4000' },
    });
    cleanups.push(() => h.close());
    tcp.cut();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-caller': 'strict' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `strict ${i} ${'x'.repeat(200)}` }] }),
      });
      statuses.push(r.status);
      if (r.status === 503) expect((await r.json()).error.code).toBe('audit_unavailable');
      else await r.arrayBuffer();
    }
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    expect((await fetch(`${h.proxyUrl}/readyz`)).status).toBe(503);
    tcp.restore();
    await waitFor(async () => h.sidecar.ctx.audit.accepting());
    expect((await fetch(`${h.proxyUrl}/readyz`)).status).toBe(200);
  });

  it('replays unshipped records after SIGKILL', async () => {
    ensureBuilt();
    const standin: Standin = await startStandin({ maxRecorded: 0 });
    const dataDir = mkdtempSync(join(tmpdir(), 'sidecar-kill-'));
    const schema = `kill_${process.pid}_${Date.now().toString(36)}`;
    const direct = await openDatabase({ url: SERVER!, dataDir: null, schema });
    cleanups.push(async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(direct.db);
      await direct.close();
      await standin.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const url = viaProxy(SERVER!, tcp.port);
    const env = childEnv({ upstreamUrl: standin.url, dataDir, adminToken: 'kill-test-admin-token-00000000', databaseUrl: withSearchPath(url, schema) });
    const first = startChild(env);
    const [, proxy] = await first.waitFor(/"proxy":"(http:\/\/[^"]+)"/);
    tcp.cut();
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${proxy}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-caller': 'killed' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `k ${i}` }] }),
      });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 200)); // past one group commit
    first.proc.kill('SIGKILL');
    await first.exited;
    tcp.restore();
    const second = startChild(env);
    await second.waitFor(/"proxy":"(http:\/\/[^"]+)"/);
    await waitFor(async () => (await count(direct, 'killed')) === 100, 30_000);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
