// Two sidecars on one Postgres server: ids never collide, both write their records, and a
// policy changed through one admin API reaches the other within 2 s (LISTEN/NOTIFY).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startSidecar, type RunningSidecar } from '../../src/sidecar.js';
import { ADMIN_TOKEN, backends, startHarness, type Harness } from '../support/harness.js';

describe.runIf(backends().includes('server'))('two replicas on one Postgres server', () => {
  let a: Harness;
  let b: RunningSidecar;
  let dirB: string;
  beforeAll(async () => {
    a = await startHarness({ backend: 'server' });
    dirB = mkdtempSync(join(tmpdir(), 'sidecar-replica-'));
    cpSync(a.policyDir, join(dirB, 'policies'), { recursive: true });
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(a.config.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
      UPSTREAM_URL: a.standin.url,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_PORT: '0',
      DATA_DIR: dirB,
      POLICY_DIR: join(dirB, 'policies'),
    });
    b = await startSidecar(config, { logger: createLogger('silent'), schema: a.schema! });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (dirB) rmSync(dirB, { recursive: true, force: true });
  });

  it('both record their calls with distinct ids, and each reports its own readiness', async () => {
    const clientB = new OpenAI({ baseURL: `${b.proxyUrl}/v1`, apiKey: 'sk-b', maxRetries: 0 });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a.client : clientB).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `call ${i}` }] }),
      ),
    );
    await a.flush();
    await b.ctx.audit.drain();
    const { rows } = await sql<{ n: number; ids: number }>`select count(*)::int as n, count(distinct id)::int as ids from audit_records`.execute(a.sidecar.ctx.database.db);
    expect(rows[0]).toEqual({ n: 20, ids: 20 });
    expect((await fetch(`${b.proxyUrl}/readyz`)).status).toBe(200);
  });

  it('a policy changed on one replica reaches the other within 2 s', async () => {
    const text = 'name: shared\nrules:\n  - id: shared-term\n    detector: keywords\n    keywords: ["purple elephant"]\n    action: block\n';
    const put = await a.admin('/policies/shared', { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: text });
    expect(put.status).toBe(200);
    const clientB = new OpenAI({ baseURL: `${b.proxyUrl}/v1`, apiKey: 'sk-b', maxRetries: 0 });
    const deadline = Date.now() + 2_000;
    let blocked = false;
    while (!blocked && Date.now() < deadline) {
      const r = await clientB.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'a purple elephant' }] }).catch((e: unknown) => e);
      blocked = r instanceof OpenAI.BadRequestError;
      if (!blocked) await new Promise((res) => setTimeout(res, 50));
    }
    expect(blocked).toBe(true);
    const listed = await (await fetch(`${b.adminUrl}/policies/shared`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(listed.rules[0].id).toBe('shared-term');
  });
});
