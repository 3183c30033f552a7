// The real start-up path (`npm start` = node dist/src/main.js) as a child process: config
// errors name the variable, SIGTERM lets in-flight streams finish and flushes the log,
// and 2,000 calls at concurrency 100 are all answered and all recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { startStandin, type Standin } from '../../src/standin/index.js';
import { childEnv, ensureBuilt, startChild, withSearchPath } from '../support/child.js';

const TOKEN = 'process-test-admin-token-000000';

describe('the sidecar as a process', () => {
  let standin: Standin;
  let dataDir: string;
  beforeAll(async () => {
    ensureBuilt();
    standin = await startStandin({ maxRecorded: 0 });
    dataDir = mkdtempSync(join(tmpdir(), 'sidecar-proc-'));
  });
  afterAll(async () => {
    await standin?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits non-zero with one line naming a missing or invalid variable', async () => {
    const missing = startChild({ DATA_DIR: dataDir });
    expect(await missing.exited).not.toBe(0);
    expect(missing.output().trim().split('\n')).toHaveLength(1);
    expect(missing.output()).toContain('UPSTREAM_URL');
    const bad = startChild({ UPSTREAM_URL: standin.url, PORT: 'http', DATA_DIR: dataDir });
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toMatch(/PORT/);
  });

  it('drains in-flight streams on SIGTERM, records them, and exits 0; then serves 2,000 calls at concurrency 100, all recorded', async () => {
    const env: Record<string, string> = {
      ...childEnv({ upstreamUrl: standin.url, dataDir, adminToken: TOKEN, databaseUrl: process.env.TEST_DATABASE_URL }),
      LOG_LEVEL: 'info',
    };
    // Each run works in its own schema when on a server: the process reads search_path from the URL.
    const schema = `proc_${process.pid}_${Date.now().toString(36)}`;
    if (env.DATABASE_URL) {
      const db = await openDatabase({ url: env.DATABASE_URL, dataDir: null, schema });
      await db.close();
      env.DATABASE_URL = withSearchPath(env.DATABASE_URL, schema);
    }
    const child = startChild(env);
    const [, proxy] = await child.waitFor(/"proxy":"(http:\/\/[^"]+)"/);
    const [, admin] = await child.waitFor(/"admin":"(http:\/\/[^"]+)"/);

    // A slow stream (20 chunks, 50 ms apart) is in flight when SIGTERM arrives.
    const streamRes = await fetch(`${proxy}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-standin-chunks': '20', 'x-standin-chunk-delay-ms': '50', 'x-standin-reply': 'a reply that takes about one second to stream to the client' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'slow' }] }),
    });
    child.proc.kill('SIGTERM');
    const body = await streamRes.text();
    expect(body).toContain('data: [DONE]');
    expect(await child.exited).toBe(0);

    // Restart on the same database: the drained call's record is there.
    const again = startChild(env);
    const [, proxy2] = await again.waitFor(/"proxy":"(http:\/\/[^"]+)"/);
    const [, admin2] = await again.waitFor(/"admin":"(http:\/\/[^"]+)"/);
    const list = await (await fetch(`${admin2}/audit/requests?limit=5`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(list.items[0]).toMatchObject({ stream: true, status: 200, clientAborted: false });
    void admin;

    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < 2000) {
        const i = next++;
        const r = await fetch(`${proxy2}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-caller': 'load' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `call ${i}` }] }),
        });
        await r.arrayBuffer();
        if (r.status !== 200) failed++;
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    expect(failed).toBe(0);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    const db = env.DATABASE_URL
      ? await openDatabase({ url: process.env.TEST_DATABASE_URL!, dataDir: null, schema })
      : await openDatabase({ url: null, dataDir });
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_records where caller = 'load'`.execute(db.db);
      expect(rows[0]!.n).toBe(2000);
      if (env.DATABASE_URL) await sql`drop schema ${sql.id(schema)} cascade`.execute(db.db);
    } finally {
      await db.close();
    }
  }, 180_000);
});
