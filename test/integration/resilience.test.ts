// Retries before the first byte, failed-auth throttling, and hostile input on the request
// path and the admin query parameters (fuzzed): always a clear 4xx, never a crash or 5xx.
import { createServer } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const POLICY = 'name: p\nrules:\n  - id: s\n    detector: secret\n    action: block\n  - id: k\n    detector: keywords\n    keywords: [forbidden]\n    action: block\n';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('retries and hostile input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'embedded', policies: { 'p.yaml': POLICY }, env: { RETRY_ON: '429,503', RETRY_MAX_ATTEMPTS: '3', ADMIN_AUTH_FAILURES_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const latest = async () => {
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=1')).json();
    return list.items[0] as Record<string, any>;
  };

  it('retries a 429 honouring Retry-After, records the retries, then passes the last answer on', async () => {
    const before = h.standin.requests.length;
    const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-standin-status': '429', 'x-standin-retry-after': '0' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(429);
    expect((await res.json()).error.code).toBe('rate_limit_exceeded');
    expect(h.standin.requests.length - before).toBe(3);
    expect(await latest()).toMatchObject({ status: 429, upstreamStatus: 429, retries: 2 });
  });

  it('does not retry statuses outside RETRY_ON', async () => {
    const before = h.standin.requests.length;
    const res = await fetch(`${h.proxyUrl}/v1/models`, { headers: { 'x-standin-status': '500' } });
    expect(res.status).toBe(500);
    expect(h.standin.requests.length - before).toBe(1);
  });

  it('answers hostile request bodies with a clear 4xx in the OpenAI shape and records each', async () => {
    const bodies: [string, string | Buffer][] = [
      ['malformed', '{"model": "m", "messages": [}'],
      ['not an object', '"just a string"'],
      ['null', 'null'],
      ['invalid utf-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ['deep nesting', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['proto keys', '{"__proto__":{"polluted":true},"model":"m","messages":[{"role":"user","content":"forbidden"}]}'],
      ['null content', '{"model":"m","messages":[{"role":"user","content":null}]}'],
      ['wrong types', '{"model":5,"messages":{"role":"user"},"stream":"yes"}'],
    ];
    for (const [name, body] of bodies) {
      const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const status = res.status;
      const text = await res.text();
      expect(status, name).toBeLessThan(500);
      if (status >= 400) expect(JSON.parse(text).error, name).toHaveProperty('code');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const huge = await fetch(`${h.proxyUrl}/v1/models`, { headers: { 'x-big': 'a'.repeat(20_000) } }).catch(() => null);
    expect(huge === null || huge.status < 500).toBe(true);
    const ready = await fetch(`${h.proxyUrl}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('records a call whose prompt and model hold NUL characters (Postgres text cannot)', async () => {
    const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-caller': 'nul-test' },
      body: '{"model":"m\\u0000x","messages":[{"role":"user","content":"before \\u0000 after"}],"user":"u\\u0000"}',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const rec = await latest();
    const full = await (await h.admin(`/audit/requests/${rec.id}`)).json();
    expect(full.caller).toBe('nul-test');
    expect(full.prompt).toContain('before \ufffd after');
    expect(full.model).toBe('m\ufffdx');
  });

  it('fuzzed chat bodies never make the sidecar answer 5xx or crash', async () => {
    const message = fc.record({ role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), fc.string()), content: fc.oneof(fc.string(), fc.constant(null), fc.array(fc.record({ type: fc.constantFrom('text', 'image_url', 'x'), text: fc.oneof(fc.string(), fc.integer()) }))) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ model: fc.oneof(fc.string(), fc.integer()), messages: fc.array(message, { maxLength: 4 }), stream: fc.boolean() }, { requiredKeys: [] }), fc.jsonValue()), async (body) => {
        const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        await res.arrayBuffer();
        return res.status < 500;
      }),
      { numRuns: 60 },
    );
  });

  it('fuzzed admin query parameters get 200 or a 400 naming a parameter', async () => {
    const key = fc.constantFrom('from', 'to', 'model', 'status', 'decision', 'key', 'caller', 'limit', 'cursor', 'q', 'zzz');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.string({ maxLength: 40 }), { maxKeys: 4 }), async (params) => {
        const res = await h.admin(`/audit/requests?${new URLSearchParams(params)}`);
        const body = await res.json();
        if (res.status === 400) return typeof body.error.param === 'string' && body.error.message.includes(body.error.param);
        return res.status === 200;
      }),
      { numRuns: 80 },
    );
  });
  it('throttles an address after repeated failed admin logins', async () => {
    for (let i = 0; i < 5; i++) expect((await h.admin('/audit/requests', { token: `wrong-token-${i}-xxxxxxxx` })).status).toBe(401);
    const throttled = await h.admin('/audit/requests');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('60');
  });
});

describe('retries on an unreachable upstream', () => {
  let h: Harness;
  beforeAll(async () => {
    const port = await freePort();
    h = await startHarness({ backend: 'embedded', policies: { 'p.yaml': POLICY }, env: { UPSTREAM_URL: `http://127.0.0.1:${port}/v1`, RETRY_ON: '502', RETRY_MAX_ATTEMPTS: '2' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('retries a connection failure, then answers 502 and records the retry', async () => {
    const res = await fetch(`${h.proxyUrl}/v1/models`);
    expect(res.status).toBe(502);
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec).toMatchObject({ errorCode: 'upstream_unreachable', retries: 1 });
  });
});
