// The proxy driven by the official openai SDK, records checked in Postgres (embedded, and
// the real server when TEST_DATABASE_URL is set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { sql } from 'kysely';
import { backends, startHarness, type Harness } from '../support/harness.js';

const CLEAN_POLICY = `
name: minimal
storage: { prompt: full, response: full }
rules:
  - id: no-secrets
    detector: secret
    action: block
`;

describe.each(backends())('proxy on %s Postgres', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend, policies: { 'minimal.yaml': CLEAN_POLICY } });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function recordFor(requestId: string) {
    await h.flush();
    const res = await h.admin(`/audit/requests/${requestId}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  }

  it('proxies a chat completion and records model, prompt, status and exact usage', async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: 'gpt-4o-latest', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }], temperature: 0.2 })
      .withResponse();
    expect(data.choices[0]!.message.content).toContain('Hello there');
    expect(response.headers.get('x-sidecar-decision')).toBe('allow');
    const id = response.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const rec = await recordFor(id);
    expect(rec).toMatchObject({
      method: 'POST',
      path: '/chat/completions',
      route: 'chat.completions',
      model: 'gpt-4o-latest',
      returnedModel: 'gpt-4o-2024-07-18',
      stream: false,
      status: 200,
      upstreamStatus: 200,
      decision: 'allow',
      usageSource: 'upstream',
      promptTokens: data.usage!.prompt_tokens,
      completionTokens: data.usage!.completion_tokens,
      totalTokens: data.usage!.total_tokens,
      params: { temperature: 0.2 },
    });
    expect(rec.prompt).toContain('[system] Be brief.');
    expect(rec.prompt).toContain('[user] Hello there');
    expect(rec.response).toContain('Hello there');
    expect(rec.keyFingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(rec.ttfbMs).toBeGreaterThan(0);
    expect(rec.upstreamRequestId).toMatch(/^req_/);
  });

  it('keeps the caller\'s request id and its own', async () => {
    const { response } = await h.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'caller-id-123', 'x-caller': 'billing-svc' } })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBe('caller-id-123');
    const ours = response.headers.get('x-sidecar-request-id')!;
    const rec = await recordFor(ours);
    expect(rec.clientRequestId).toBe('caller-id-123');
    expect(rec.caller).toBe('billing-svc');
  });

  it('streams chunk by chunk and records exact usage the client did not ask for, without showing it', async () => {
    const stream = await h.client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream please' }] },
      { headers: { 'x-standin-reply': 'one two three four five', 'x-standin-chunks': '5' } },
    );
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('one two three four five');
    expect(chunks).toBeGreaterThanOrEqual(5);
    const forwarded = JSON.parse(h.standin.requests.at(-1)!.body);
    expect(forwarded.stream_options).toEqual({ include_usage: true });
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=1')).json();
    const rec = await recordFor(list.items[0].id);
    expect(rec.stream).toBe(true);
    expect(rec.usageSource).toBe('upstream');
    expect(rec.completionTokens).toBeGreaterThan(0);
    expect(rec.response).toBe('one two three four five');
  });

  it('passes the usage chunk through when the client asked for it', async () => {
    const stream = await h.client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count me' }],
    });
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it('estimates usage with the o200k tokenizer when the upstream sends none', async () => {
    const { response } = await h.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'no usage here' }] }, { headers: { 'x-standin-no-usage': '1' } })
      .withResponse();
    const rec = await recordFor(response.headers.get('x-sidecar-request-id')!);
    expect(rec.usageSource).toBe('estimated');
    expect(rec.promptTokens).toBeGreaterThan(0);
  });

  it('records embeddings (input only) and model lists (metadata)', async () => {
    const emb = await h.client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect(emb.data).toHaveLength(2);
    const models = await h.client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=2')).json();
    const [modelsRec, embRec] = list.items;
    expect(modelsRec).toMatchObject({ method: 'GET', path: '/models', route: null, status: 200 });
    expect(embRec).toMatchObject({ route: 'embeddings', status: 200, usageSource: 'upstream' });
    expect(embRec.promptTokens).toBeGreaterThan(0);
  });

  it('passes upstream 401, 429 and 500 through unchanged and records them', async () => {
    for (const status of [401, 429, 500]) {
      const err = await h.client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-standin-status': String(status) } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    }
    await h.flush();
    const list = await (await h.admin('/audit/requests?status=4xx,5xx&limit=10')).json();
    const statuses = list.items.slice(0, 3).map((r: any) => r.status);
    expect(statuses).toEqual([500, 429, 401]);
    const rec = await recordFor(list.items[1].id);
    expect(rec.upstreamError).toMatchObject({ code: 'rate_limit_exceeded' });
  });

  it('forwards the client\'s bytes untouched when nothing changed them', async () => {
    const raw = '{"model":"m","messages":[{"role":"user","content":"n"}],"seed":12345678901234567890,"temperature":1.0}';
    const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(h.standin.requests.at(-1)!.body).toBe(raw);
  });

  it('refuses malformed JSON, empty and oversized bodies in the OpenAI shape, and records them', async () => {
    const bad = await fetch(`${h.proxyUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error', param: null });
    const empty = await fetch(`${h.proxyUrl}/v1/chat/completions`, { method: 'POST' });
    expect(empty.status).toBe(400);
    const arr = await fetch(`${h.proxyUrl}/v1/embeddings`, { method: 'POST', body: '[1,2]' });
    expect((await arr.json()).error.code).toBe('invalid_json');
    await h.flush();
    const list = await (await h.admin('/audit/requests?status=400&limit=3')).json();
    expect(list.items.map((r: any) => r.errorCode)).toEqual(['invalid_json', 'invalid_json', 'invalid_json']);
  });

  it('refuses a body that repeats a key, whichever value a gateway would keep, and forwards nothing', async () => {
    // The banned term is in the first `messages`; JSON.parse (and the filters) see the second.
    const sent = h.standin.requests.length;
    const bodies = [
      '{"model":"m","messages":[{"role":"user","content":"Project Nightingale"}],"messages":[{"role":"user","content":"hi"}]}',
      '{"model":"m","messages":[{"role":"user","content":"Project Nightingale","content":"hi"}]}',
      '{"model":"m","messages":[{"role":"user","content":"Project Nightingale","c\\u006fntent":"hi"}]}',
    ];
    for (const body of bodies) {
      const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' }, body });
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('invalid_json');
      expect(error.message).toMatch(/repeats the key "(messages|content)"/);
    }
    expect(h.standin.requests.length).toBe(sent);
  });

  it('answers 404 in the OpenAI shape outside /v1 and a page at the root', async () => {
    const res = await fetch(`${h.proxyUrl}/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
    const page = await fetch(`${h.proxyUrl}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Compliance Sidecar');
  });

  it('reports health and readiness with each part\'s state', async () => {
    expect((await fetch(`${h.proxyUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.proxyUrl}/readyz`);
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body).toMatchObject({ ready: true, database: { ok: true }, policies: { loaded: true } });
    expect(body.audit).toHaveProperty('queued');
  });

  it('never stores or logs the Authorization header or the key', async () => {
    const key = 'sk-live-SECRETKEY-should-never-be-stored-0123456789';
    const c = new OpenAI({ baseURL: `${h.proxyUrl}/v1`, apiKey: key, maxRetries: 0 });
    await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-standin-status': '401' } }).catch(() => undefined);
    await h.flush();
    const { rows } = await sql<{ t: string }>`select audit_records::text as t from audit_records`.execute(h.sidecar.ctx.database.db);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.t).not.toContain('SECRETKEY');
    expect(h.logs.join('')).not.toContain('SECRETKEY');
    // The upstream did get it: it passes through untouched.
    expect(h.standin.requests.some((r) => r.headers.authorization === `Bearer ${key}`)).toBe(true);
  });
});
