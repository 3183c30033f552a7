// After a run full of keys and secrets (in Authorization headers, prompts, tool results,
// streamed and non-streamed replies), the database and the process log hold none of them,
// even under `storage: full`: a matched secret is never stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { sql } from 'kysely';
import { backends, startHarness, type Harness } from '../support/harness.js';

const fill = (seed: number, n: number) => {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += a[(x >>> 16) % a.length];
  }
  return s;
};
// Assembled at run time so no credential-shaped literal sits in the source.
const SECRETS = {
  aws: ['AKIA', 'IOSFODNN7EXAMPLE'].join(''),
  github: ['ghp', '_', fill(1, 36)].join(''),
  stripe: ['sk', '_live_', fill(2, 24)].join(''),
  openai: ['sk', '-proj-', fill(3, 40), 'T3BlbkFJ', fill(4, 40)].join(''),
  pg: ['postgres://admin:', 'S3cr3tPassw0rd', '@db.internal:5432/prod'].join(''),
};
const PASSWORD = 'S3cr3tPassw0rd';
const API_KEYS = ['sk-caller-key-AAAA-' + fill(5, 30), 'sk-caller-key-BBBB-' + fill(6, 30)];

const POLICY = `
name: audit-everything
storage: { prompt: full, response: full }
rules:
  - id: secrets-flagged
    detector: secret
    action: flag
`;

describe.each(backends())('nothing sensitive is kept (%s Postgres)', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend, policies: { 'p.yaml': POLICY } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores and logs no key and no matched secret', async () => {
    for (const [i, key] of API_KEYS.entries()) {
      const client = new OpenAI({ baseURL: `${h.proxyUrl}/v1`, apiKey: key, maxRetries: 0 });
      for (const [name, secret] of Object.entries(SECRETS)) {
        await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'user', content: `my ${name} credential is ${secret}` },
            { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: JSON.stringify({ token: secret }) } }] },
            { role: 'tool', tool_call_id: 't', content: `result: ${secret}` },
          ],
        }, { headers: { 'x-standin-reply': `echo ${secret} done` } });
        const stream = await client.chat.completions.create(
          { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream it' }] },
          { headers: { 'x-standin-reply': `streamed ${secret} end`, 'x-standin-chunk-size': String(3 + i) } },
        );
        for await (const _ of stream) void _;
      }
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-standin-status': '401' } }).catch(() => undefined);
    }
    await h.flush();
    const db = h.sidecar.ctx.database.db;
    const tables = await sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
    let dump = '';
    for (const { t } of tables.rows) {
      const rows = await sql<{ r: string }>`select t::text as r from ${sql.table(t)} t`.execute(db);
      dump += rows.rows.map((r) => r.r).join('\n');
    }
    const log = h.logs.join('');
    expect(dump).toContain('[REDACTED:secret]'); // the rows are there, masked
    for (const needle of [...Object.values(SECRETS), PASSWORD, ...API_KEYS]) {
      expect(dump.includes(needle), `database holds ${needle.slice(0, 8)}…`).toBe(false);
      expect(log.includes(needle), `log holds ${needle.slice(0, 8)}…`).toBe(false);
    }
  });
});
