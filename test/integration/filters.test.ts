// Content filters through the real proxy, with the official openai SDK as the client and
// the bundled default policy: input block / redact, output redact / withhold, streams
// split at awkward places, evasions, and the policy API.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { AUDITOR_TOKEN, startHarness, type Harness } from '../support/harness.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

describe('filters through the proxy (bundled default policy)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'embedded' });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function lastRecord() {
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=1')).json();
    return (await (await h.admin(`/audit/requests/${list.items[0].id}`)).json()) as Record<string, any>;
  }

  const chat = (content: string, headers: Record<string, string> = {}) =>
    h.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers });

  it('blocks a banned term with 400 content_filter naming the rule, not the text, and never forwards it', async () => {
    const before = h.standin.requests.length;
    const err = (await chat('Tell me about Project Nightingale please').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('content_filter');
    expect(err.message).toContain('banned-terms');
    expect(err.message.toLowerCase()).not.toContain('nightingale');
    expect(h.standin.requests.length).toBe(before);
    const rec = await lastRecord();
    expect(rec).toMatchObject({ status: 400, decision: 'block', errorCode: 'content_filter' });
    expect(rec.prompt.toLowerCase()).not.toContain('nightingale');
    expect(rec.findings[0]).toMatchObject({ rule: 'banned-terms', detector: 'keywords', phase: 'input', action: 'block', count: 1 });
    expect(JSON.stringify(rec.findings).toLowerCase()).not.toContain('nightingale');
  });

  it('filters every spelling of a filtered path the gateway may route the same way', async () => {
    // node:http sends the path as written (fetch would resolve dot segments first).
    const post = (path: string) =>
      new Promise<[string, number, string]>((resolve, reject) => {
        const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `key ${AWS_KEY}` }] });
        const req = http.request(`${h.proxyUrl}/`, { method: 'POST', path, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d));
          res.on('end', () => resolve([path, res.statusCode ?? 0, (JSON.parse(text) as { error: { code: string } }).error.code]));
        });
        req.on('error', reject);
        req.end(body);
      });
    const before = h.standin.requests.length;
    for (const path of [
      '/v1//chat/completions', '/v1/chat//completions/', '/v1/Chat/Completions', '/v1/chat%2Fcompletions', '/v1/chat/completions;x=1',
      '/v1/./chat/completions', '/v1/%63hat/completions;a=%zz', '/v1/chat/completions%3fx', '/v1/chat/completions%00', '/v1/chat/completions.', '/v1/chat/completions%3Bx',
    ]) {
      expect(await post(path)).toEqual([path, 400, 'content_filter']);
    }
    for (const path of ['/v1/../v1/chat/completions', '/v1/chat/%2e%2e/chat/completions']) {
      expect(await post(path)).toEqual([path, 400, 'invalid_request']);
    }
    expect(h.standin.requests.length).toBe(before);
  });

  it('defeats the usual spelling evasions', async () => {
    for (const text of ['ｐｒｏｊｅｃｔ ｎｉｇｈｔｉｎｇａｌｅ', 'proj\u200bect night\u00adingale', 'Рrојеct Nіghtіngale', 'PROJECT NIGHTÍNGALE']) {
      const err = await chat(`about ${text}`).catch((e: unknown) => e);
      expect(err, text).toBeInstanceOf(OpenAI.BadRequestError);
    }
  });

  it('scans the whole conversation: a secret in an earlier tool result is blocked', async () => {
    const err = await h.client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'look up the config' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read', arguments: '{"f":"cfg"}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: `aws_access_key_id = ${AWS_KEY}` },
          { role: 'user', content: 'thanks, summarise' },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('no-secrets');
    const rec = await lastRecord();
    expect(JSON.stringify(rec)).not.toContain(AWS_KEY);
  });

  it('scans tool definitions too: a secret in a description is blocked, an e-mail redacted in place', async () => {
    const tool = (description: string) => ({ type: 'function' as const, function: { name: 'lookup', description, parameters: { type: 'object', properties: {} } } });
    const blocked = h.client.chat.completions.create({ model: 'gpt-4o-mini', tools: [tool(`use key ${AWS_KEY}`)], messages: [{ role: 'user', content: 'hi' }] });
    await expect(blocked).rejects.toMatchObject({ status: 400, code: 'content_filter' });
    const before = h.standin.requests.length;
    await h.client.chat.completions.create({ model: 'gpt-4o-mini', tools: [tool('mail jane.doe@example.com')], messages: [{ role: 'user', content: 'hi' }] });
    const sent = JSON.parse(h.standin.requests.slice(before).at(-1)!.body) as { tools: { function: { description: string } }[] };
    expect(sent.tools[0]!.function.description).toBe('mail [REDACTED:email]');
  });

  it('redacts personal data in the prompt before it goes upstream', async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail jane.doe@example.com about it' }] }, { headers: { 'x-standin-reply': 'done' } })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('done');
    expect(response.headers.get('x-sidecar-decision')).toBe('redact');
    const forwarded = JSON.parse(h.standin.requests.at(-1)!.body);
    expect(forwarded.messages[0].content).toBe('mail [REDACTED:email] about it');
    const rec = await lastRecord();
    expect(rec.decision).toBe('redact');
    expect(rec.prompt).toContain('[REDACTED:email]');
    expect(rec.prompt).not.toContain('jane.doe');
  });

  it('redacts output in a non-streaming response', async () => {
    const r = await chat('hi', { 'x-standin-reply': 'Reach me at bob@corp.example.com or bob@example.org' });
    const text = r.choices[0]!.message.content!;
    expect(text).not.toContain('bob@');
    expect(text).toContain('[REDACTED:');
  });

  it('withholds a blocked choice with finish_reason content_filter (non-streaming)', async () => {
    const r = await chat('hi', { 'x-standin-reply': `the key is ${AWS_KEY}` });
    expect(r.choices[0]!.finish_reason).toBe('content_filter');
    expect(r.choices[0]!.message.content ?? '').not.toContain('AKIA');
    const rec = await lastRecord();
    expect(rec.decision).toBe('block');
    expect(rec.response ?? '').not.toContain(AWS_KEY);
  });

  it('redacts inside a stream even when the match is split over many chunks', async () => {
    for (const size of ['1', '2', '3', '7']) {
      const stream = await h.client.chat.completions.create(
        { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-standin-reply': 'Contact jane.doe@example.com today, thanks.', 'x-standin-chunk-size': size } },
      );
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      expect(text, `chunk size ${size}`).toBe('Contact [REDACTED:email] today, thanks.');
    }
  });

  it('ends a stream with finish_reason content_filter before any part of a blocked secret', async () => {
    for (const size of ['1', '3', '5']) {
      const stream = await h.client.chat.completions.create(
        { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-standin-reply': `Sure. Here it is: ${AWS_KEY} and more text after`, 'x-standin-chunk-size': size } },
      );
      let text = '';
      let finish: string | null = null;
      for await (const c of stream) {
        text += c.choices[0]?.delta?.content ?? '';
        finish = c.choices[0]?.finish_reason ?? finish;
      }
      expect(finish).toBe('content_filter');
      expect(text.startsWith('Sure. Here it is:')).toBe(true);
      expect(text).not.toContain('AKIA');
      expect(text).not.toContain('more text');
    }
    const rec = await lastRecord();
    expect(rec.decision).toBe('block');
    expect(JSON.stringify(rec)).not.toContain(AWS_KEY);
  });

  it('streams tool-call arguments whole and redacted, however they are split', async () => {
    for (const size of ['1', '3', '7', '1000']) {
      for (const [args, expected] of [
        ['{"city":"Paris"}', '{"city":"Paris"}'],
        ['{"to":"jane.doe@example.com","body":"hi"}', '{"to":"[REDACTED:email]","body":"hi"}'],
      ] as const) {
        const stream = await h.client.chat.completions.create(
          { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'x-standin-tool-call': `send:${args}`, 'x-standin-chunk-size': size } },
        );
        let got = '';
        let finish: string | null = null;
        for await (const c of stream) {
          for (const call of c.choices[0]?.delta?.tool_calls ?? []) got += call.function?.arguments ?? '';
          finish = c.choices[0]?.finish_reason ?? finish;
        }
        expect(got, `chunk size ${size}`).toBe(expected);
        expect(() => JSON.parse(got)).not.toThrow();
        expect(finish).toBe('tool_calls');
      }
    }
    const rec = await lastRecord();
    expect(JSON.stringify(rec)).not.toContain('jane.doe@example.com');
  });

  it('filters Responses API streams too', async () => {
    const stream = await h.client.responses.create(
      { model: 'gpt-4o-mini', input: 'hi', stream: true },
      { headers: { 'x-standin-reply': 'write to jane.doe@example.com', 'x-standin-chunk-size': '2' } },
    );
    let text = '';
    let final = '';
    for await (const ev of stream) {
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.output_text.done') final = ev.text;
    }
    expect(text).toBe('write to [REDACTED:email]');
    expect(final).toBe('write to [REDACTED:email]');
  });
});

describe('policy API and live updates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'embedded' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists the active policies with a version', async () => {
    const body = await (await h.admin('/policies', { token: AUDITOR_TOKEN })).json();
    expect(body.version).toMatch(/^[0-9a-f]{12}$/);
    expect(body.policies.map((p: any) => p.name)).toContain('default');
    const one = await (await h.admin('/policies/default')).json();
    expect(one.text).toContain('no-secrets');
  });

  it('refuses a broken policy with 422 naming the path, and keeps the previous one', async () => {
    const res = await h.admin('/policies/default', {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: 'name: default\nrules:\n  - id: x\n    detector: keywords\n    keywords: [a]\n    acton: block\n',
    });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_policy');
    expect(body.error.message).toContain('rules[0]');
    const err = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'project nightingale' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('lets only admins replace a policy; the change applies at once and is in the history', async () => {
    const text = 'name: extra\nrules:\n  - id: no-foo\n    detector: keywords\n    keywords: ["forbidden fruit"]\n    action: block\n';
    const denied = await h.admin('/policies/extra', { method: 'PUT', token: AUDITOR_TOKEN, headers: { 'content-type': 'application/yaml' }, body: text });
    expect(denied.status).toBe(403);
    const ok = await h.admin('/policies/extra', { method: 'PUT', headers: { 'content-type': 'application/yaml', 'x-author': 'alice' }, body: text });
    expect(ok.status).toBe(200);
    const err = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'the Forbidden Fruit' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const hist = await (await h.admin('/policies/extra/history')).json();
    expect(hist.versions[0]).toMatchObject({ version: 1, source: 'api' });
    expect(hist.versions[0].author).toContain('alice');
    expect(hist.versions[0].diff).toContain('+  - id: no-foo');
  });

  it('picks up a policy file written to POLICY_DIR within a few seconds', async () => {
    writeFileSync(join(h.policyDir, 'live.yaml'), 'name: live\nrules:\n  - id: live-term\n    detector: keywords\n    keywords: ["zebra crossing"]\n    action: block\n');
    const deadline = Date.now() + 10_000;
    let blocked = false;
    while (!blocked && Date.now() < deadline) {
      const r = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'a zebra crossing' }] }).catch((e: unknown) => e);
      blocked = r instanceof OpenAI.BadRequestError;
      if (!blocked) await new Promise((res) => setTimeout(res, 200));
    }
    expect(blocked).toBe(true);
  });

  it('dry-runs text and whole requests without forwarding anything', async () => {
    const before = h.standin.requests.length;
    const r1 = await (await h.admin('/policies/test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'card 4111 1111 1111 1111' }) })).json();
    expect(r1.decision).toBe('redact');
    expect(r1.redacted).toBe('card [REDACTED:credit_card]');
    const r2 = await (
      await h.admin('/policies/test', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request: { model: 'm', messages: [{ role: 'user', content: 'project bluebird' }] } }),
      })
    ).json();
    expect(r2.decision).toBe('block');
    expect(r2.blockedBy).toContain('banned-terms');
    const r3 = await h.admin('/policies/test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', colour: 1 }) });
    expect(r3.status).toBe(400);
    expect(h.standin.requests.length).toBe(before);
  });
});

describe('moderation through an OpenAI-compatible endpoint', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      backend: 'embedded',
      policies: {
        'mod.yaml': 'name: mod\nrules:\n  - id: moderation\n    detector: moderation\n    endpoint: ${STANDIN_URL}\n    categories: [hate, violence]\n    action: block\n',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('blocks a flagged prompt and withholds a flagged reply; records a flagged stream it could not stop', async () => {
    const err = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'HATE_SAMPLE text' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const ok = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'a kind prompt' }] });
    expect(ok.choices[0]!.finish_reason).toBe('stop');
    const withheld = await h.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }, { headers: { 'x-standin-reply': 'VIOLENCE_SAMPLE reply' } });
    expect(withheld.choices[0]!.finish_reason).toBe('content_filter');
    expect(withheld.choices[0]!.message.content ?? '').not.toContain('VIOLENCE');
    const stream = await h.client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hello' }] }, { headers: { 'x-standin-reply': 'VIOLENCE_SAMPLE streamed' } });
    for await (const _ of stream) void _;
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=1')).json();
    const rec = await (await h.admin(`/audit/requests/${list.items[0].id}`)).json();
    expect(rec.findings.find((f: any) => f.detector === 'moderation')).toMatchObject({ phase: 'output', enforced: false, categories: ['violence'] });
    expect(rec.decision).toBe('flag');
  });
});

describe('a policy file that cannot be loaded at start', () => {
  let h: Harness;
  const BLOCK_ALL_SECRETS = 'name: secrets\nrules:\n  - {id: no-secrets, detector: secret, action: block}\n';
  beforeAll(async () => {
    // The secrets policy has a typo: started like this, the sidecar has no version of it.
    h = await startHarness({
      backend: 'embedded',
      policies: { 'pii.yaml': 'name: pii\nrules:\n  - {id: mail, detector: email, action: redact}\n', 'secrets.yaml': BLOCK_ALL_SECRETS.replace('action:', 'acton:') },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses calls (503 policy_unavailable, not ready) until the file is fixed, never serving them unfiltered', async () => {
    const res = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'key AKIAIOSFODNN7EXAMPLE' }] }),
    });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.code).toBe('policy_unavailable');
    expect(body.error.message).toContain('secrets.yaml');
    // Calls that no filter reads pass as always.
    expect((await fetch(`${h.proxyUrl}/v1/models`, { headers: { authorization: 'Bearer sk-test' } })).status).toBe(200);
    const ready = await fetch(`${h.proxyUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).policies.unavailable).toEqual(['secrets.yaml']);
    const listed = await (await h.admin('/policies')).json();
    expect(JSON.stringify(listed)).toContain('acton');
    expect(h.logs.join('')).toMatch(/secrets\.yaml.*proxy calls are refused until it loads/);
    const metrics = async () => (await (await h.admin('/metrics')).text()).split('\n');
    expect(await metrics()).toEqual(expect.arrayContaining(['sidecar_policy_errors 1', 'sidecar_policy_unavailable 1']));

    writeFileSync(join(h.policyDir, 'secrets.yaml'), BLOCK_ALL_SECRETS);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      const r = await fetch(`${h.proxyUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'key AKIAIOSFODNN7EXAMPLE' }] }),
      });
      status = r.status;
      const code = ((await r.json()) as { error?: { code?: string } }).error?.code;
      if (code !== 'policy_unavailable') {
        expect(code).toBe('content_filter');
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(400);
    expect((await fetch(`${h.proxyUrl}/readyz`)).status).toBe(200);
    expect(await metrics()).toEqual(expect.arrayContaining(['sidecar_policy_errors 0', 'sidecar_policy_unavailable 0']));
    const ok = await h.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(ok.choices[0]?.message.content).toBeTruthy();
  });
});
