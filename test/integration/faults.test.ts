// Upstream faults and client behaviour: unreachable gateway (502), hanging gateway (504),
// client abort mid-stream, oversized body (413), each answered and recorded.
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const POLICY = 'name: p\nrules:\n  - id: s\n    detector: secret\n    action: block\n';

describe('upstream faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'embedded', policies: { 'p.yaml': POLICY }, env: { UPSTREAM_TIMEOUT_MS: '300', MAX_BODY_BYTES: '1000' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('answers 504 upstream_timeout when the gateway hangs', async () => {
    const res = await post({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { 'x-standin-hang': '1' });
    expect(res.status).toBe(504);
    expect((await res.json()).error).toMatchObject({ code: 'upstream_timeout', type: 'api_error' });
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec).toMatchObject({ status: 504, errorCode: 'upstream_timeout', upstreamStatus: null });
  });

  it('ends a stream whose gateway goes silent mid-way (idle timeout) and records it', async () => {
    const res = await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'x-standin-stall-after': '2' });
    expect(res.status).toBe(200);
    await res.text().catch(() => '');
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec.errorCode).toBe('upstream_timeout');
  });

  it('answers 413 request_too_large before buffering an oversized body', async () => {
    const res = await post({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('request_too_large');
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec).toMatchObject({ status: 413, errorCode: 'request_too_large' });
  });

  it('answers 413 request_too_large to an oversized chunked upload (no declared length)', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${h.proxyUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // 64 KB in pieces, far past the 1,000-byte limit, the way a streaming client uploads.
      req.write(`{"model":"m","messages":[{"role":"user","content":"`);
      for (let i = 0; i < 64; i++) req.write('x'.repeat(1024));
      req.end('"}]}');
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('request_too_large');
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec).toMatchObject({ status: 413, errorCode: 'request_too_large' });
  });

  it('records a client that aborts mid-stream, and stops the upstream call', async () => {
    const res = await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'x-standin-stall-after': '2' });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 100));
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec.clientAborted).toBe(true);
  });
});

describe('unreachable upstream', () => {
  let h: Harness;
  beforeAll(async () => {
    const port = await freePort();
    h = await startHarness({ backend: 'embedded', policies: { 'p.yaml': POLICY }, env: { UPSTREAM_URL: `http://127.0.0.1:${port}/v1` } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 502 upstream_unreachable and records it', async () => {
    const res = await fetch(`${h.proxyUrl}/v1/models`);
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'upstream_unreachable', type: 'api_error', param: null });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    await h.flush();
    const rec = (await (await h.admin('/audit/requests?limit=1')).json()).items[0];
    expect(rec).toMatchObject({ status: 502, errorCode: 'upstream_unreachable', path: '/models' });
  });
});
