// Big request bodies are judged in scan workers: the same requests sent to a sidecar that
// judges everything on the main thread and to one that sends them to a worker must give
// the same response, the same bytes upstream and the same audit record. A worker that
// crashes or stalls fails its call closed (OpenAI-shaped error, recorded, nothing
// forwarded) and is replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { mixedText } from '../../bench/lib/corpus.js';
import { loadTokenizer } from '../../src/openai/usage.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../support/harness.js';

const HASH_KEY = 'scan-pool-test-hash-key-0123456789';
const FAULTY_WORKER = new URL('../support/faulty-scan-worker.mjs', import.meta.url);
/** About 300 KB of prose, logs, PII in several scripts: thousands of findings. */
const DOC = mixedText(300_000, 11);

/** Fields of a record that differ between two calls whatever the filters do. */
const VOLATILE = ['id', 'receivedAt', 'completedAt', 'durationMs', 'ttfbMs', 'filterMs', 'clientRequestId', 'upstreamRequestId', 'prevHash', 'hash', 'chainSeq', 'replicaId', 'chainId'];

interface Sent {
  readonly status: number;
  readonly decision: string | null;
  readonly body: string;
  readonly forwarded: string | null;
  readonly record: Record<string, unknown>;
}

async function send(h: Harness, body: string, headers: Record<string, string> = {}): Promise<Sent> {
  const before = h.standin.requests.length;
  const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-key-for-harness-000000000000', 'x-standin-reply': 'noted', ...headers },
    body,
  });
  const text = await res.text();
  // This call's own record, once written (a record may wait for the worker's part of it).
  const id = res.headers.get('x-sidecar-request-id');
  let found: Response | null = null;
  for (let i = 0; i < 200 && found?.status !== 200; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 25));
    await h.flush();
    found = await h.admin(`/audit/requests/${id}`);
  }
  const record = (await found!.json()) as Record<string, unknown>;
  for (const k of VOLATILE) delete record[k];
  const forwarded = h.standin.requests.length > before ? h.standin.requests.at(-1)!.body : null;
  // The stand-in's reply carries its own id and time.
  const stable = text.replace(/"(id|created|request_id)":("[^"]*"|\d+)/g, '"$1":null');
  return { status: res.status, decision: res.headers.get('x-sidecar-decision'), body: stable, forwarded, record };
}

const chat = (extra: Record<string, unknown> = {}, content = DOC) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Review this.' }, { role: 'user', content }], temperature: 1.0, ...extra });

describe('big requests judged in a scan worker', () => {
  let inThread: Harness;
  let pooled: Harness;
  beforeAll(async () => {
    [inThread, pooled] = await Promise.all([
      // Records keep less than the prompt: the worker sends back only what they keep.
      startHarness({ backend: 'embedded', env: { SCAN_WORKERS: '0', AUDIT_HASH_KEY: HASH_KEY, AUDIT_MAX_TEXT_CHARS: '100000' } }),
      // Its worker shares big bodies' rules with a helper thread, whatever the core count.
      startHarness({
        backend: 'embedded',
        env: { SCAN_WORKERS: '1', SCAN_WORKER_MIN_BYTES: '65536', SCAN_SHARE_RULES: 'true', AUDIT_HASH_KEY: HASH_KEY, AUDIT_MAX_TEXT_CHARS: '100000' },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([inThread?.close(), pooled?.close()]);
  });

  const cases: [string, string][] = [
    ['redacted personal data, non-streaming', chat()],
    ['redacted and streamed (usage asked for in the re-serialised body)', chat({ stream: true })],
    ['streamed without findings (stream_options spliced into the original bytes)', chat({ stream: true, temperature: 1.0 }, 'plain words only. '.repeat(8_000))],
    ['no findings: the original bytes go on untouched (1.0 stays 1.0)', chat({}, 'nothing to see here. '.repeat(8_000))],
    ['blocked by a banned term deep in the document', chat({}, `${DOC}\nand then Project Nightingale came up`)],
    ['a 4 MB document (sent upstream in pieces), redacted', chat({}, mixedText(4_000_000, 5))],
    ['a body that is not JSON', `${chat()}}`],
    ['a JSON array', `[${chat()}]`],
  ];

  it.each(cases)('%s: same response, same bytes upstream, same record', async (_name, body) => {
    expect(Buffer.byteLength(body)).toBeGreaterThan(65_536);
    const before = pooled.sidecar.ctx.scanPool!.stats();
    const a = await send(inThread, body);
    const b = await send(pooled, body);
    const after = pooled.sidecar.ctx.scanPool!.stats();
    // The pooled sidecar really judged it in its worker (or refused it there as not JSON).
    expect(after.inline).toBe(before.inline);
    expect(after.failed).toBe(before.failed);
    expect(b.status).toBe(a.status);
    expect(b.decision).toBe(a.decision);
    expect(b.body).toBe(a.body);
    expect(b.forwarded).toBe(a.forwarded);
    expect(b.record).toEqual(a.record);
    const prompt = b.record.prompt;
    if (typeof prompt === 'string' && prompt.length > 100_000) expect(prompt).toMatch(/\n\[truncated: \d+ more characters\]$/);
  });

  it("shares the rules of big bodies with the worker's helper thread, and counts them on /metrics", async () => {
    // The cases above ran in the pooled sidecar (one of them a 4 MB document) and gave the
    // main thread's results; after its start on the first, the helper takes rules when it
    // gets a core in time (a few more calls on a machine busy with other tests).
    const one = await send(inThread, chat());
    for (let i = 0; i < 30 && pooled.sidecar.ctx.scanPool!.stats().sharedRules === 0; i++) {
      expect((await send(pooled, chat())).record).toEqual(one.record);
    }
    const { sharedRules } = pooled.sidecar.ctx.scanPool!.stats();
    expect(sharedRules).toBeGreaterThan(0);
    const metrics = await (await pooled.admin('/metrics')).text();
    expect(metrics).toMatch(new RegExp(`^sidecar_scan_shared_rules_total ${sharedRules}$`, 'm'));
  });

  it('sends a 4 MB body with nothing to change upstream byte for byte (in pieces)', async () => {
    const body = chat({}, 'nothing to see here, just words. '.repeat(125_000));
    expect(Buffer.byteLength(body)).toBeGreaterThan(4_000_000);
    const b = await send(pooled, body);
    expect(b.status).toBe(200);
    expect(b.forwarded).toBe(body);
  });

  it('keeps a prompt longer than AUDIT_MAX_TEXT_CHARS the same way in both', async () => {
    const a = await send(inThread, chat({}, 'nothing to see here. '.repeat(8_000)));
    const b = await send(pooled, chat({}, 'nothing to see here. '.repeat(8_000)));
    expect(b.record.prompt).toBe(a.record.prompt);
    expect(b.record.prompt).toMatch(/\n\[truncated: \d+ more characters\]$/);
  });

  it.each([
    ['redacted (the body comes back beside the bytes forwarded)', chat()],
    ['untouched (the bytes forwarded are the body)', chat({}, 'nothing to see here. '.repeat(8_000))],
  ])('estimates the same token counts when the upstream sends no usage: %s', async (_name, body) => {
    // The sidecars load the tokenizer at start, in the background: the records wait for nothing then.
    await loadTokenizer();
    const before = pooled.sidecar.ctx.scanPool!.stats().judged;
    const a = await send(inThread, body, { 'x-standin-no-usage': '1' });
    const b = await send(pooled, body, { 'x-standin-no-usage': '1' });
    expect(pooled.sidecar.ctx.scanPool!.stats().judged).toBe(before + 1);
    expect(a.record.usageSource).toBe('estimated');
    expect(a.record.promptTokens).toBeGreaterThan(10_000);
    expect(b.record).toEqual(a.record);
  });

  it('judged in the worker: the record shows the findings, and the redaction reached upstream', async () => {
    const { judged } = pooled.sidecar.ctx.scanPool!.stats();
    // Written as a client may write it: spaces, a 1.0, an escaped slash.
    const body = chat().replace('"temperature":1', '"temperature" : 1.0, "note": "a\\/b"');
    const b = await send(pooled, body);
    expect(pooled.sidecar.ctx.scanPool!.stats().judged).toBe(judged + 1);
    expect(b.decision).toBe('redact');
    expect(b.forwarded).toContain('[REDACTED:email]');
    expect((b.record.findings as unknown[]).length).toBeGreaterThan(3);
    // Redacted in the client's own bytes: the rest goes on as it was sent.
    expect(b.forwarded).toContain('"temperature" : 1.0, "note": "a\\/b"');
  });

  it('redacts thousands of short messages, each with a match, in both (re-serialised: too many to place in the bytes)', async () => {
    const messages = Array.from({ length: 3_000 }, (_, i) => ({ role: 'user', content: `note ${i}: write to user${i}@example.com` }));
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 1.0 });
    const a = await send(inThread, body);
    const b = await send(pooled, body);
    expect(b.decision).toBe('redact');
    expect(b.forwarded).toBe(a.forwarded);
    expect(b.record).toEqual(a.record);
    expect(b.forwarded).not.toMatch(/user\d+@example\.com/);
    expect(JSON.parse(b.forwarded!).messages[2999].content).toBe('note 2999: write to [REDACTED:email]');
  });

  it('refuses a big body that repeats a key, in the worker as on the main thread', async () => {
    const body = chat().replace('"temperature":1', '"temperature":1,"model":"gpt-4o"');
    const before = pooled.sidecar.ctx.scanPool!.stats();
    const a = await send(inThread, body);
    const b = await send(pooled, body);
    expect(pooled.sidecar.ctx.scanPool!.stats().inline).toBe(before.inline);
    expect(b.status).toBe(400);
    expect(JSON.parse(b.body).error).toMatchObject({ code: 'invalid_json', message: expect.stringContaining('repeats the key "model"') });
    expect(b.body).toBe(a.body);
    expect(b.forwarded).toBeNull();
    expect(b.record).toEqual(a.record);
  });

  it('uses the new policy version right after a reload, in the worker too', async () => {
    const put = (h: Harness) =>
      h.admin('/policies/extra', {
        method: 'PUT',
        headers: { 'content-type': 'application/yaml' },
        body: 'name: extra\nrules:\n  - id: no-review\n    detector: keywords\n    keywords: ["review this"]\n    action: block\n',
      });
    expect((await put(inThread)).status).toBe(200);
    expect((await put(pooled)).status).toBe(200);
    const a = await send(inThread, chat());
    const b = await send(pooled, chat());
    expect(a.status).toBe(400);
    expect(b.status).toBe(400);
    expect(b.body).toBe(a.body);
    expect(b.record).toEqual(a.record);
  });
});

describe('a scan worker that breaks down', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      backend: 'embedded',
      // Long enough for any real scan here on a busy machine; the stalled one never ends.
      env: { SCAN_WORKERS: '1', SCAN_WORKER_MIN_BYTES: '1024', SCAN_TIMEOUT_MS: '3000', AUDIT_HASH_KEY: HASH_KEY },
      scanWorkerUrl: FAULTY_WORKER,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('crashes: the call fails closed with an OpenAI-shaped 500, is recorded, and the next call is judged by a new worker', async () => {
    const crashed = await send(h, chat({}, `${'x '.repeat(2_000)} __scan_crash__ jane.doe@example.com`));
    expect(crashed.status).toBe(500);
    expect(JSON.parse(crashed.body).error).toMatchObject({ code: 'scan_failed', type: 'api_error', param: null });
    expect(crashed.forwarded).toBeNull();
    expect(crashed.record).toMatchObject({ status: 500, errorCode: 'scan_failed' });
    const next = await send(h, chat({}, `${'y '.repeat(2_000)} mail jane.doe@example.com`));
    expect(next.status).toBe(200);
    expect(next.decision).toBe('redact');
    expect(next.forwarded).toContain('[REDACTED:email]');
    expect(next.forwarded).not.toContain('jane.doe@example.com');
  });

  it('stalls: past SCAN_TIMEOUT_MS the call fails closed with 503 scan_timeout and the worker is replaced', async () => {
    const stalled = await send(h, chat({}, `${'z '.repeat(2_000)} __scan_stall__`));
    expect(stalled.status).toBe(503);
    expect(JSON.parse(stalled.body).error).toMatchObject({ code: 'scan_timeout', type: 'api_error' });
    expect(stalled.forwarded).toBeNull();
    expect(stalled.record).toMatchObject({ status: 503, errorCode: 'scan_timeout' });
    const next = await send(h, chat({}, `${'w '.repeat(2_000)} call 4111 1111 1111 1111`));
    expect(next.status).toBe(200);
    expect(next.forwarded).toContain('[REDACTED:credit_card]');
  });

  it('counts the breakdowns and the calls judged in workers on /metrics', async () => {
    const res = await fetch(`${h.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await res.text();
    expect(res.status).toBe(200);
    // The two tests above: one crash and one stall failed; the two calls after them were judged.
    expect(text).toMatch(/^sidecar_scan_requests_total\{outcome="failed"\} 2$/m);
    expect(text).toMatch(/^sidecar_scan_requests_total\{outcome="worker"\} 2$/m);
    expect(text).toMatch(/^sidecar_scan_queue_depth 0$/m);
  });

  it("exits after the judgement, before the record's prompt: the call went on, and its record is the same as if judged on the main thread", async () => {
    const body = chat({}, `${'v '.repeat(2_000)} __scan_exit_before_stored__ mail jane.doe@example.com, call 4111 1111 1111 1111`);
    const inThread = await startHarness({ backend: 'embedded', env: { SCAN_WORKERS: '0', AUDIT_HASH_KEY: HASH_KEY } });
    try {
      const a = await send(inThread, body);
      const b = await send(h, body);
      expect(b.status).toBe(200);
      expect(b.decision).toBe('redact');
      expect(b.forwarded).toBe(a.forwarded);
      expect(b.record).toEqual(a.record);
      expect(b.record.prompt).not.toContain('jane.doe@example.com');
    } finally {
      await inThread.close();
    }
    // A new worker takes the next call.
    const next = await send(h, chat({}, `${'u '.repeat(2_000)} mail jane.doe@example.com`));
    expect(next.forwarded).toContain('[REDACTED:email]');
  });
});

describe('async rules (moderation) of a big request, judged in a scan worker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      backend: 'embedded',
      env: { SCAN_WORKERS: '1', SCAN_WORKER_MIN_BYTES: '1024' },
      policies: {
        'mod.yaml': 'name: mod\nrules:\n  - id: moderation\n    detector: moderation\n    endpoint: ${STANDIN_URL}\n    categories: [hate, violence]\n    action: block\n',
        // A service that cannot be reached: on_error allow records the failure, acts on nothing.
        'down.yaml': 'name: down\nrules:\n  - id: moderation-down\n    detector: moderation\n    endpoint: http://127.0.0.1:9/v1\n    on_error: allow\n    action: block\n',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const big = (tail: string) => `${'a calm and friendly paragraph. '.repeat(200)}${tail}`;

  it('blocks a flagged prompt through the SDK, and passes a kind one with the unreachable service recorded', async () => {
    const before = h.sidecar.ctx.scanPool!.stats().judged;
    const err = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: big('HATE_SAMPLE text') }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_filter');
    const ok = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: big('nothing else') }] });
    expect(ok.choices[0]!.finish_reason).toBe('stop');
    expect(h.sidecar.ctx.scanPool!.stats().judged).toBe(before + 2);
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=1')).json();
    const rec = await (await h.admin(`/audit/requests/${list.items[0].id}`)).json();
    const down = rec.findings.find((f: { rule: string }) => f.rule === 'moderation-down');
    expect(down).toMatchObject({ phase: 'input', enforced: false, count: 0 });
    expect(down.error).toBeTruthy();
    expect(rec.decision).toBe('allow');
  });
});
