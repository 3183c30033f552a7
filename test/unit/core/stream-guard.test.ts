// The stream guard on chat streams beyond plain content: refusals, tool calls and the
// legacy function_call are generated text too. Whatever a filter held back is released
// into the same field when the choice ends (or the stream does), so what the client
// accumulates is whole, and redacted.
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/policy/index.js';
import { StreamGuard } from '../../../src/openai/stream-guard.js';
import { parseEvent } from '../../../src/openai/sse.js';

const POLICY = `name: t
rules:
  - {id: pii, detector: email, action: redact, phase: output}
  - {id: banned, detector: keywords, keywords: [project nightingale], action: block, phase: output}
`;

async function guard(): Promise<StreamGuard> {
  const p = await compilePolicy(POLICY, { fileName: 't.yaml', env: {} });
  return new StreamGuard({ route: 'chat.completions', rules: p.rules, hash: (m) => `h${m.length}`, stripUsageChunk: false });
}

/** SSE text of chunks whose first choice carries `delta` pieces, then a finish chunk (unless `finish` is null). */
function events(deltas: Record<string, unknown>[], finish: string | null): string[] {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
    `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  return [...deltas.map((d) => chunk(d, null)), ...(finish === null ? [] : [chunk({}, finish)]), 'data: [DONE]\n\n'];
}

/** Runs events through a guard; returns the chunks the client got (parsed) and whether it ended early. */
async function run(raw: string[]): Promise<{ chunks: any[]; guard: StreamGuard }> {
  const g = await guard();
  let out = '';
  for (const r of raw) out += g.onEvent(parseEvent(r));
  out += g.finish();
  const chunks = out
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)));
  return { chunks, guard: g };
}

/** Runs Responses stream events through a guard; returns the text the client got. */
async function responses(events: Record<string, unknown>[]): Promise<{ sent: string; guard: StreamGuard }> {
  const p = await compilePolicy(POLICY, { fileName: 't.yaml', env: {} });
  const g = new StreamGuard({ route: 'responses', rules: p.rules, hash: (m) => `h${m.length}`, stripUsageChunk: false });
  let sent = '';
  for (const e of events) sent += g.onEvent(parseEvent(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
  return { sent: sent + g.finish(), guard: g };
}

const pieces = (text: string, size: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
};

describe('StreamGuard on chat streams', () => {
  it('releases every tool call its arguments whole, by index, redacted', async () => {
    const a = '{"to":"jane.doe@example.com"}';
    const b = '{"city":"Paris"}';
    for (const size of [1, 2, 5, 100]) {
      for (const finish of ['tool_calls', null]) {
        const deltas = [
          ...pieces(a, size).map((p) => ({ tool_calls: [{ index: 0, function: { arguments: p } }] })),
          ...pieces(b, size).map((p) => ({ tool_calls: [{ index: 1, function: { arguments: p } }] })),
        ];
        const { chunks } = await run(events(deltas, finish));
        const got = ['', ''];
        for (const c of chunks) for (const call of c.choices[0]?.delta?.tool_calls ?? []) got[call.index] += call.function.arguments;
        expect(got, `size ${size}, finish ${finish}`).toEqual(['{"to":"[REDACTED:email]"}', b]);
      }
    }
  });

  it('filters the other streamed texts like content: refusal, legacy function_call, reasoning, audio transcript, custom tool input', async () => {
    const fields: [wrap: (p: string) => Record<string, unknown>, read: (delta: any) => string | undefined, text: string, expected: string][] = [
      [(p) => ({ refusal: p }), (d) => d?.refusal, 'I cannot write to jane.doe@example.com.', 'I cannot write to [REDACTED:email].'],
      [(p) => ({ function_call: { arguments: p } }), (d) => d?.function_call?.arguments, '{"q":"jane.doe@example.com"}', '{"q":"[REDACTED:email]"}'],
      [(p) => ({ reasoning_content: p }), (d) => d?.reasoning_content, 'thinking of jane.doe@example.com now', 'thinking of [REDACTED:email] now'],
      [(p) => ({ audio: { transcript: p } }), (d) => d?.audio?.transcript, 'say jane.doe@example.com aloud', 'say [REDACTED:email] aloud'],
      [(p) => ({ reasoning: p }), (d) => d?.reasoning, 'reason about jane.doe@example.com', 'reason about [REDACTED:email]'],
      [(p) => ({ tool_calls: [{ index: 0, custom: { input: p } }] }), (d) => d?.tool_calls?.find((c: any) => c.index === 0)?.custom?.input, 'to jane.doe@example.com', 'to [REDACTED:email]'],
      [(p) => ({ tool_calls: [{ index: 1, custom: { input: '' }, function: { arguments: p } }] }), (d) => d?.tool_calls?.find((c: any) => c.index === 1)?.function?.arguments, '{"m":"jane.doe@example.com"}', '{"m":"[REDACTED:email]"}'],
    ];
    for (const size of [1, 3, 100]) {
      const deltas = fields.flatMap(([wrap, , text]) => pieces(text, size).map(wrap));
      const { chunks } = await run(events(deltas, 'stop'));
      const got = fields.map(([, read]) => chunks.map((c) => read(c.choices[0]?.delta) ?? '').join(''));
      expect(got, `size ${size}`).toEqual(fields.map(([, , , expected]) => expected));
    }
  });

  it('blocks a banned term in a refusal or a tool call before any part of it is sent', async () => {
    for (const field of ['refusal', 'tool']) {
      const text = field === 'tool' ? '{"note":"about project nightingale soon"}' : 'No: project nightingale is secret.';
      const deltas = pieces(text, 2).map((p) => (field === 'tool' ? { tool_calls: [{ index: 0, function: { arguments: p } }] } : { refusal: p }));
      const { chunks, guard: g } = await run(events(deltas, 'stop'));
      const sent = chunks.map((c) => JSON.stringify(c.choices[0]?.delta ?? {})).join('');
      expect(sent).not.toMatch(/nightin/i);
      expect(chunks.at(-1).choices[0].finish_reason).toBe('content_filter');
      expect(g.blocked).toBe(true);
    }
  });
});

describe('StreamGuard: log probabilities', () => {
  const chunk = (content: string, tokens: string[]) =>
    `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content }, logprobs: { content: tokens.map((token) => ({ token, logprob: -0.1 })) }, finish_reason: null }] })}\n\n`;

  it('withholds the log probabilities of text held back or changed, keeps those of clean text', async () => {
    const raw = [chunk('Hello there. ', ['Hello', ' there.', ' ']), chunk('It is pro', ['It', ' is', ' pro']), chunk('ject nightingale.', ['ject', ' nightingale', '.']), 'data: [DONE]\n\n'];
    const { chunks } = await run(raw);
    const tokens = chunks.flatMap((c) => (c.choices[0]?.logprobs?.content ?? []).map((t: { token: string }) => t.token));
    expect(tokens.join('')).not.toMatch(/pro|nightin/);
    expect(tokens.slice(0, 3)).toEqual(['Hello', ' there.', ' ']);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('content_filter');
  });
});

describe('StreamGuard on Responses streams', () => {

  it('filters reasoning summaries and custom tool input, deltas and the texts repeated at the end', async () => {
    const summary = 'I will write to jane.doe@example.com now';
    const input = 'mail jane.doe@example.com';
    const events = [
      ...pieces(summary, 3).map((delta) => ({ type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, delta })),
      { type: 'response.reasoning_summary_text.done', output_index: 0, summary_index: 0, text: summary },
      { type: 'response.reasoning_summary_part.done', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: summary } },
      ...pieces(input, 4).map((delta) => ({ type: 'response.custom_tool_call_input.delta', output_index: 1, delta })),
      { type: 'response.custom_tool_call_input.done', output_index: 1, input },
      { type: 'response.output_item.done', output_index: 1, item: { type: 'custom_tool_call', input } },
      { type: 'response.completed', response: { output: [{ type: 'reasoning', summary: [{ type: 'summary_text', text: summary }] }, { type: 'custom_tool_call', input }] } },
    ];
    const { sent } = await responses(events);
    expect(sent).not.toContain('jane.doe');
    expect(sent).toContain('[REDACTED:email]');
  });

  it('stops the stream before a banned term in a reasoning summary', async () => {
    const text = 'Thinking about project nightingale today';
    const { sent, guard: g } = await responses(pieces(text, 2).map((delta) => ({ type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, delta })));
    expect(sent).not.toMatch(/nightin/);
    expect(sent).toContain('response.incomplete');
    expect(g.blocked).toBe(true);
  });
});

describe('StreamGuard on Responses streams without deltas', () => {
  const message = (text: string) => ({ type: 'message', content: [{ type: 'output_text', text }] });

  it('judges whole items: redacts them, or ends the stream before a blocked one', async () => {
    const ok = await responses([
      { type: 'response.output_item.done', output_index: 0, item: message('mail jane.doe@example.com') },
      { type: 'response.completed', response: { output: [message('mail jane.doe@example.com')] } },
    ]);
    expect(ok.sent).not.toContain('jane.doe');
    expect(ok.sent.match(/\[REDACTED:email\]/g)).toHaveLength(2);
    expect(ok.guard.output().segments.map((s) => s.text)).toEqual(['mail jane.doe@example.com']);
    const bad = await responses([
      { type: 'response.output_item.done', output_index: 0, item: message('all about project nightingale') },
      { type: 'response.completed', response: { output: [message('all about project nightingale')] } },
    ]);
    expect(bad.sent).not.toMatch(/nightingale/);
    expect(bad.sent).toContain('response.incomplete');
    expect(bad.guard.blocked).toBe(true);
  });

  it('filters reasoning text, code interpreter code and MCP arguments deltas', async () => {
    for (const [type, done, field] of [
      ['response.reasoning_text.delta', 'response.reasoning_text.done', 'text'],
      ['response.code_interpreter_call_code.delta', 'response.code_interpreter_call_code.done', 'code'],
      ['response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done', 'arguments'],
    ] as const) {
      const text = 'send to jane.doe@example.com';
      const { sent } = await responses([
        ...pieces(text, 3).map((delta) => ({ type, output_index: 0, content_index: 0, delta })),
        { type: done, output_index: 0, content_index: 0, [field]: text },
      ]);
      expect(sent, type).not.toContain('jane.doe');
    }
  });
});

describe('StreamGuard on odd Responses streams', () => {
  const item = (text: string) => ({ type: 'message', content: [{ type: 'output_text', text }] });

  it('never throws: text announced before its deltas, a delta after its done, a done without deltas', async () => {
    const announced = await responses([
      { type: 'response.output_item.added', output_index: 0, item: item('') },
      { type: 'response.content_part.added', output_index: 0, content_index: 0, part: { type: 'output_text', text: 'hello ' } },
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'there' },
      { type: 'response.output_text.done', output_index: 0, content_index: 0, text: 'hello there' },
      { type: 'response.output_item.done', output_index: 0, item: item('hello there') },
    ]);
    expect(announced.guard.blocked).toBe(false);
    expect(announced.sent).toContain('"text":"hello there"');
    const late = await responses([
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'first' },
      { type: 'response.output_text.done', output_index: 0, content_index: 0, text: 'first' },
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: ' and more' },
    ]);
    expect(late.guard.blocked).toBe(true);
    expect(late.sent).not.toContain('and more');
    const doneOnly = await responses([
      { type: 'response.output_text.done', output_index: 0, content_index: 0, text: 'plain words' },
      { type: 'response.output_item.done', output_index: 0, item: item('plain words') },
    ]);
    expect(doneOnly.sent.match(/plain words/g)).toHaveLength(2);
    // Text announced in an opening event is the piece's beginning: deltas continue it.
    const continued = await responses([
      { type: 'response.content_part.added', output_index: 0, content_index: 0, part: { type: 'output_text', text: 'project' } },
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: ' nightingale' },
      { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: ' is live' },
    ]);
    expect(continued.sent).not.toMatch(/project|nightingale/);
    expect(continued.guard.blocked).toBe(true);
    const doneBlocked = await responses([{ type: 'response.output_text.done', output_index: 0, content_index: 0, text: 'about project nightingale' }]);
    expect(doneBlocked.sent).not.toContain('nightingale');
    expect(doneBlocked.guard.blocked).toBe(true);
  });
});

describe('StreamGuard: a chunk it cannot handle', () => {
  it('ends the stream with content_filter, even when the chunk itself cannot be written back', async () => {
    // Nested deeper than JSON.stringify can write back (parsing it is fine).
    const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;
    const bad = `data: {"id":"c1","object":"chat.completion.chunk","model":"m","extra":${deep},"choices":[{"index":0,"delta":{"content":"mail a@b.com hi"},"finish_reason":null}]}\n\n`;
    const { chunks, guard: g } = await run([bad, 'data: [DONE]\n\n']);
    expect(g.blocked).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ id: 'c1', choices: [{ index: 0, finish_reason: 'content_filter' }] });
  });
});
