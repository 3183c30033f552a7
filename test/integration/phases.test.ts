// Every filtered route, action and phase through the real proxy, with the official openai
// SDK as the client: completions, embeddings and Responses as well as chat; input block and
// redact; output redact and withhold, `n > 1`, tool calls; monitor policies; the storage
// rule (full, redacted, none). What reaches the stand-in upstream is checked as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const MAIN = `
name: main
match: { models: ["gpt-*", "text-*"] }
storage: { prompt: redacted, response: redacted }
rules:
  - {id: no-secrets, detector: secret, action: block}
  - {id: pii-mail, detector: email, action: redact}
  - {id: banned, detector: keywords, keywords: [project nightingale], action: block}
  - {id: ips, detector: ip_address, action: flag}
`;
const WATCH = `
name: watch
mode: monitor
match: { models: ["watch-*"] }
rules:
  - {id: watch-term, detector: keywords, keywords: [zebra], action: block}
  - {id: watch-mail, detector: email, action: redact}
`;
const FULL = `
name: keep-full
match: { models: ["full-*"] }
storage: { prompt: full, response: full }
rules:
  - {id: full-mail, detector: email, action: flag}
`;
const NONE = `
name: keep-none
match: { models: ["none-*"] }
storage: { prompt: none, response: none }
rules:
  - {id: none-mail, detector: email, action: redact}
`;
const AWS_KEY = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const MAIL = 'jane.doe@example.com';

describe('routes, actions and phases through the proxy (openai SDK)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'embedded', policies: { 'main.yaml': MAIN, 'watch.yaml': WATCH, 'full.yaml': FULL, 'none.yaml': NONE } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The body the stand-in received last, parsed. */
  const lastSent = () => JSON.parse(h.standin.requests.at(-1)!.body) as Record<string, any>;
  async function lastRecord(): Promise<Record<string, any>> {
    await h.flush();
    const list = await (await h.admin('/audit/requests?limit=1')).json();
    return (await (await h.admin(`/audit/requests/${list.items[0].id}`)).json()) as Record<string, any>;
  }

  it('completions: blocks a banned prompt, redacts the prompt and the completion', async () => {
    const before = h.standin.requests.length;
    await expect(h.client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'notes on Project Nightingale' })).rejects.toMatchObject({
      status: 400,
      code: 'content_filter',
    });
    expect(h.standin.requests.length).toBe(before);
    const done = await h.client.completions.create(
      { model: 'gpt-3.5-turbo-instruct', prompt: `write to ${MAIL}`, suffix: `cc ${MAIL}` },
      { headers: { 'x-standin-reply': `sent to ${MAIL}.` } },
    );
    expect(lastSent().prompt).toBe('write to [REDACTED:email]');
    expect(lastSent().suffix).toBe('cc [REDACTED:email]');
    expect(done.choices[0]!.text).toBe('sent to [REDACTED:email].');
    const rec = await lastRecord();
    expect(rec.decision).toBe('redact');
    expect(JSON.stringify(rec)).not.toContain(MAIL);
  });

  it('completions, streamed: redacted across chunk boundaries, or ended with content_filter before a secret', async () => {
    for (const size of ['1', '4']) {
      const stream = await h.client.completions.create(
        { model: 'gpt-3.5-turbo-instruct', prompt: 'go', stream: true },
        { headers: { 'x-standin-reply': `mail ${MAIL} then ${AWS_KEY} end`, 'x-standin-chunk-size': size } },
      );
      let text = '';
      let finish: string | null = null;
      for await (const c of stream) {
        text += c.choices[0]?.text ?? '';
        finish = c.choices[0]?.finish_reason ?? finish;
      }
      expect(text, `size ${size}`).toBe('mail [REDACTED:email] then ');
      expect(finish).toBe('content_filter');
    }
    expect((await lastRecord()).decision).toBe('block');
  });

  it('reads the text parts of one message as one text: a secret split over two parts is blocked', async () => {
    const half = AWS_KEY.length / 2;
    await expect(
      h.client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: [{ type: 'text', text: `my key ${AWS_KEY.slice(0, half)}` }, { type: 'text', text: `${AWS_KEY.slice(half)} ok` }] }],
      }),
    ).rejects.toMatchObject({ status: 400, code: 'content_filter' });
  });

  it('embeddings: input only, blocked or redacted before it goes upstream', async () => {
    await expect(h.client.embeddings.create({ model: 'text-embedding-3-small', input: ['fine', `key ${AWS_KEY}`] })).rejects.toMatchObject({
      status: 400,
      code: 'content_filter',
    });
    const emb = await h.client.embeddings.create({ model: 'text-embedding-3-small', input: ['fine', `mail ${MAIL}`] });
    expect(emb.data).toHaveLength(2);
    expect(lastSent().input).toEqual(['fine', 'mail [REDACTED:email]']);
    expect((await lastRecord()).decision).toBe('redact');
  });

  it('Responses, not streamed: input and output redacted, a blocked output withheld as incomplete', async () => {
    const r = await h.client.responses.create(
      { model: 'gpt-4.1', instructions: `reply to ${MAIL}`, input: [{ role: 'user', content: [{ type: 'input_text', text: `hi from ${MAIL}` }] }] },
      { headers: { 'x-standin-reply': `noted, ${MAIL}` } },
    );
    expect(lastSent().instructions).toBe('reply to [REDACTED:email]');
    expect(lastSent().input[0].content[0].text).toBe('hi from [REDACTED:email]');
    expect(r.output_text).toBe('noted, [REDACTED:email]');
    const blocked = await h.client.responses.create({ model: 'gpt-4.1', input: 'hi' }, { headers: { 'x-standin-reply': `the key is ${AWS_KEY}` } });
    expect(blocked.status).toBe('incomplete');
    expect(blocked.incomplete_details?.reason).toBe('content_filter');
    expect(JSON.stringify(blocked)).not.toContain(AWS_KEY);
    expect((await lastRecord()).decision).toBe('block');
  });

  it('chat with n > 1: each choice judged on its own, the blocked one withheld, the others redacted', async () => {
    const r = await h.client.chat.completions.create(
      { model: 'gpt-4o-mini', n: 3, messages: [{ role: 'user', content: 'three answers' }] },
      { headers: { 'x-standin-reply-0': 'plain answer', 'x-standin-reply-1': `secret ${AWS_KEY}`, 'x-standin-reply-2': `mail ${MAIL}` } },
    );
    const byIndex = [...r.choices].sort((a, b) => a.index - b.index);
    expect(byIndex.map((c) => [c.message.content, c.finish_reason])).toEqual([
      ['plain answer', 'stop'],
      [null, 'content_filter'],
      ['mail [REDACTED:email]', 'stop'],
    ]);
    expect((await lastRecord()).decision).toBe('block');
  });

  it('chat with n > 1, streamed: the blocked choice ends with content_filter, the others arrive whole', async () => {
    const stream = await h.client.chat.completions.create(
      { model: 'gpt-4o-mini', n: 2, stream: true, messages: [{ role: 'user', content: 'two answers' }] },
      { headers: { 'x-standin-reply-0': `fine text for ${MAIL} here`, 'x-standin-reply-1': `leak ${AWS_KEY} now`, 'x-standin-chunk-size': '3' } },
    );
    const text = ['', ''];
    const finish: (string | null)[] = [null, null];
    for await (const c of stream) {
      for (const ch of c.choices) {
        text[ch.index] += ch.delta?.content ?? '';
        finish[ch.index] = ch.finish_reason ?? finish[ch.index]!;
      }
    }
    expect(text[0]).toBe('fine text for [REDACTED:email] here');
    expect(finish[0]).toBe('stop');
    expect(text[1]!.startsWith('leak')).toBe(true);
    expect(text[1]).not.toContain('AKIA');
    expect(finish[1]).toBe('content_filter');
  });

  it('output tool calls, not streamed: arguments redacted, or the choice withheld', async () => {
    const r = await h.client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'send it' }] },
      { headers: { 'x-standin-tool-call': `send:{"to":"${MAIL}"}` } },
    );
    expect(r.choices[0]!.message.tool_calls![0]!.type).toBe('function');
    const call = r.choices[0]!.message.tool_calls![0]! as { function: { arguments: string } };
    expect(JSON.parse(call.function.arguments)).toEqual({ to: '[REDACTED:email]' });
    const blocked = await h.client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'send it' }] },
      { headers: { 'x-standin-tool-call': `send:{"key":"${AWS_KEY}"}` } },
    );
    expect(blocked.choices[0]!.finish_reason).toBe('content_filter');
    expect(blocked.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(JSON.stringify(blocked)).not.toContain(AWS_KEY);
  });

  it('monitor policies record findings and change nothing', async () => {
    const r = await h.client.chat.completions.create(
      { model: 'watch-1', messages: [{ role: 'user', content: `a zebra for ${MAIL}` }] },
      { headers: { 'x-standin-reply': `zebra sent to ${MAIL}` } },
    );
    expect(lastSent().messages[0].content).toBe(`a zebra for ${MAIL}`);
    expect(r.choices[0]!.message.content).toBe(`zebra sent to ${MAIL}`);
    const rec = await lastRecord();
    expect(rec.decision).toBe('allow');
    const seen = rec.findings.map((f: any) => [f.rule, f.phase, f.enforced]).sort();
    expect(seen).toEqual([
      ['watch-mail', 'input', false],
      ['watch-mail', 'output', false],
      ['watch-term', 'input', false],
      ['watch-term', 'output', false],
    ]);
    expect(JSON.stringify(rec.findings)).not.toContain(MAIL);
  });

  it('keeps no free text in the recorded parameters: the end user as a keyed hash, stop sequences counted', async () => {
    await h.client.chat.completions.create({ model: 'gpt-4o-mini', user: MAIL, stop: ['project nightingale'], messages: [{ role: 'user', content: 'hi' }] });
    const rec = await lastRecord();
    expect(rec.params).toMatchObject({ stop: '1 stop sequence', user_hash: expect.stringMatching(/^[0-9a-f]{8,}$/) });
    expect(JSON.stringify(rec)).not.toContain(MAIL);
    expect(JSON.stringify(rec)).not.toContain('nightingale');
  });

  it('keeps no found secret in the metadata around the text: params, model, request id, metrics, dry-run hashes', async () => {
    const tool = { type: 'function' as const, function: { name: AWS_KEY, parameters: { type: 'object', properties: {} } } };
    await expect(h.client.chat.completions.create({ model: 'gpt-4o-mini', tools: [tool], messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 400 });
    let rec = await lastRecord();
    expect(rec.params).toMatchObject({ tools: '1 tool(s)' });
    expect(JSON.stringify(rec)).not.toContain(AWS_KEY);
    await h.client.chat.completions.create({ model: `gpt-${AWS_KEY}`, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': `req-${AWS_KEY}` } }).withResponse()
      .then(({ response }) => expect(response.headers.get('x-request-id')).not.toContain(AWS_KEY))
      .catch((err: { headers?: Headers }) => expect(String(err.headers?.get?.('x-request-id') ?? '')).not.toContain(AWS_KEY));
    rec = await lastRecord();
    expect(JSON.stringify(rec)).not.toContain(AWS_KEY);
    expect(await (await h.admin('/metrics')).text()).not.toContain(AWS_KEY);
    const dry = await (await h.admin('/policies/test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `mail ${MAIL}` }) })).json();
    expect(dry.findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(dry.findings)).not.toMatch(/"hash"/);
  });

  it('keeps the prompt and response as the storage rule says: full, redacted, none', async () => {
    const ask = (model: string) =>
      h.client.chat.completions.create({ model, messages: [{ role: 'user', content: `mail ${MAIL}` }] }, { headers: { 'x-standin-reply': `ok ${MAIL}` } });
    await ask('full-1');
    let rec = await lastRecord();
    expect([rec.promptStorage, rec.responseStorage]).toEqual(['full', 'full']);
    expect(rec.prompt).toContain(MAIL);
    expect(rec.response).toContain(MAIL);
    expect(rec.decision).toBe('flag');
    await ask('gpt-4o-mini');
    rec = await lastRecord();
    expect([rec.promptStorage, rec.responseStorage]).toEqual(['redacted', 'redacted']);
    expect(rec.prompt).toContain('[REDACTED:email]');
    expect(JSON.stringify(rec)).not.toContain(MAIL);
    await ask('none-1');
    rec = await lastRecord();
    expect([rec.promptStorage, rec.responseStorage, rec.prompt, rec.response]).toEqual(['none', 'none', null, null]);
    expect(rec.findings.map((f: any) => f.rule)).toContain('none-mail');
  });
});
