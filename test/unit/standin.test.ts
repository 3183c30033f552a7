// The stand-in upstream, driven by the official openai SDK: if the SDK accepts what it
// sends, the sidecar's integration tests exercise realistic traffic. Loopback only.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStandin, type Standin } from '../../src/standin/index.js';

let standin: Standin;
let client: OpenAI;

beforeAll(async () => {
  standin = await startStandin();
  client = new OpenAI({ baseURL: standin.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => standin.reset());

const hello = [{ role: 'user' as const, content: 'Hello there, stand-in!' }];

describe('chat completions', () => {
  it('answers JSON with an echo of the last user message and realistic usage', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'assistant', content: 'Hi' }, ...hello],
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]?.message.content).toBe('You said: Hello there, stand-in!');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    // ceil(chars / 4) over every message's text: 9 + 2 + 22 = 33 chars.
    expect(data.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: Math.ceil('You said: Hello there, stand-in!'.length / 4),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(data.usage?.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('resolves a -latest alias to a dated model, other names unchanged', async () => {
    const dated = await client.chat.completions.create({ model: 'gpt-4o-latest', messages: hello });
    expect(dated.model).toBe('gpt-4o-2024-07-18');
  });

  it('streams deltas, usage: null on each chunk, then a usage chunk with no choices', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 8 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('You said: Hello there, stand-in!');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.length).toBeGreaterThan(4); // word-sized deltas by default
  });

  it('omits usage entirely on a stream without include_usage', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
    for await (const chunk of stream) expect('usage' in chunk).toBe(false);
  });

  it('returns n choices, each settable by x-standin-reply-<i>', async () => {
    const data = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, n: 2 },
      { headers: { 'x-standin-reply': 'same for all', 'x-standin-reply-1': 'second one' } },
    );
    expect(data.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'same for all'],
      [1, 'second one'],
    ]);
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: hello, n: 2 });
    const final = await stream.finalChatCompletion();
    expect(final.choices.map((c) => c.message.content)).toEqual([
      'You said: Hello there, stand-in!',
      'You said: Hello there, stand-in!',
    ]);
  });

  it('makes a tool call, with the arguments streamed in pieces', async () => {
    const headers = { 'x-standin-tool-call': 'get_weather:{"city":"Paris","unit":"celsius"}' };
    const data = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers });
    const call = data.choices[0]?.message.tool_calls?.[0];
    expect(data.choices[0]?.finish_reason).toBe('tool_calls');
    expect(data.choices[0]?.message.content).toBeNull();
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } });
    expect(call?.id).toMatch(/^call_/);

    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: hello }, { headers });
    const pieces: string[] = [];
    stream.on('chunk', (chunk) => {
      const args = chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments;
      if (args) pieces.push(args);
    });
    const final = await stream.finalChatCompletion();
    expect(pieces.length).toBeGreaterThan(2);
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('cuts the reply at max_tokens with finish_reason length', async () => {
    const data = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, max_completion_tokens: 2 },
      { headers: { 'x-standin-reply': 'a reply much longer than eight characters' } },
    );
    expect(data.choices[0]?.message.content).toBe('a reply ');
    expect(data.choices[0]?.finish_reason).toBe('length');
  });
});

describe('reply control', () => {
  it('takes the exact reply from a URL-encoded header, also via defaultHeaders', async () => {
    const custom = new OpenAI({
      baseURL: standin.url,
      apiKey: 'sk-test',
      maxRetries: 0,
      defaultHeaders: { 'x-standin-reply': encodeURIComponent('Grüße, my key is sk-live-1234 🙂') },
    });
    const data = await custom.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    expect(data.choices[0]?.message.content).toBe('Grüße, my key is sk-live-1234 🙂');
  });

  it('takes the reply from a [[reply:…]] directive in the last user message', async () => {
    const data = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'please [[reply:Call me at 555-0100]] thanks' }] }],
    });
    expect(data.choices[0]?.message.content).toBe('Call me at 555-0100');
  });

  async function streamedPieces(headers: Record<string, string>): Promise<string[]> {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, stream: true },
      { headers: { 'x-standin-reply': 'token=abcdef123456 ok', ...headers } },
    );
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) pieces.push(content);
    }
    return pieces;
  }

  it('splits a streamed reply at chosen code-point offsets, by size, or into N chunks', async () => {
    expect(await streamedPieces({ 'x-standin-split-at': '9,12' })).toEqual(['token=abc', 'def', '123456 ok']);
    expect(await streamedPieces({ 'x-standin-chunk-size': '7' })).toEqual(['token=a', 'bcdef12', '3456 ok']);
    expect(await streamedPieces({ 'x-standin-chunks': '2' })).toEqual(['token=abcd', 'ef123456 ok']);
  });

  it('never splits a surrogate pair', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, stream: true },
      { headers: { 'x-standin-reply': encodeURIComponent('a🙂b'), 'x-standin-chunk-size': '1' } },
    );
    const pieces: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    expect(pieces).toEqual(['a', '🙂', 'b']);
  });

  it('reports cached and reasoning tokens on request, and no usage when told', async () => {
    const data = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello },
      { headers: { 'x-standin-cached-tokens': '4', 'x-standin-reasoning-tokens': '10', 'x-standin-reply': 'abcd' } },
    );
    expect(data.usage).toMatchObject({
      prompt_tokens: 6,
      completion_tokens: 11,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
    const bare = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello },
      { headers: { 'x-standin-no-usage': '1' } },
    );
    expect(bare.usage).toBeUndefined();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-standin-no-usage': '1' } },
    );
    for await (const chunk of stream) {
      expect('usage' in chunk).toBe(false);
      expect(chunk.choices).toHaveLength(1);
    }
  });

  it('rejects an unknown or malformed control header with a 400 naming it', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-chunk': '2' } }),
    ).rejects.toThrow(/x-standin-chunk: unknown/);
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-status': 'teapot' } }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('completions', () => {
  it('answers JSON and SSE', async () => {
    const data = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
    expect(data.object).toBe('text_completion');
    expect(data.choices[0]?.text).toBe('You said: Say hi');
    expect(data.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });

    const stream = await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say hi',
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage;
    }
    expect(text).toBe('You said: Say hi');
    expect(finish).toBe('stop');
    expect(usage?.total_tokens).toBe(6);
  });
});

describe('responses', () => {
  it('creates a response with output_text and usage', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello responses', instructions: 'Be kind' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('You said: Hello responses');
    expect(response.usage).toMatchObject({
      input_tokens: Math.ceil(('Hello responses'.length + 'Be kind'.length) / 4),
      output_tokens: Math.ceil('You said: Hello responses'.length / 4),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('echoes the last user item of an input array', async () => {
    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'input_text', text: 'second' }] },
      ],
    });
    expect(response.output_text).toBe('You said: second');
  });

  it('streams the Responses event sequence that the SDK accumulates', async () => {
    const stream = client.responses.stream(
      { model: 'gpt-4o-mini', input: 'Hello responses' },
      { headers: { 'x-standin-chunks': '3' } },
    );
    const types: string[] = [];
    const deltas: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    // The SDK adds `output_text` only to parsed responses, so read the message part.
    expect(final.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'You said: Hello responses' }] });
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
    expect(deltas).toHaveLength(3);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types).toContain('response.output_item.done');
  });

  it('streams a function call with create({ stream: true })', async () => {
    const stream = await client.responses.create(
      { model: 'gpt-4o-mini', input: 'weather?', stream: true },
      { headers: { 'x-standin-tool-call': 'lookup:{"q":"weather in Paris"}' } },
    );
    let args = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') args += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(args).toBe('{"q":"weather in Paris"}');
    expect(completed?.output[0]).toMatchObject({ type: 'function_call', name: 'lookup', arguments: args });
  });
});

describe('embeddings, models, moderations', () => {
  it('returns deterministic unit vectors, as base64 (SDK default) or floats', async () => {
    const viaBase64 = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect(viaBase64.data).toHaveLength(2);
    const vector = viaBase64.data[0]!.embedding;
    expect(vector).toHaveLength(1536);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    expect(viaBase64.usage.prompt_tokens).toBe(3); // ceil(5/4) + ceil(4/4)

    const viaFloat = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'float' });
    expect(viaFloat.data[0]!.embedding).toEqual(vector);
    expect(viaBase64.data[1]!.embedding).not.toEqual(vector);

    const small = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'alpha', dimensions: 8 });
    expect(small.data[0]!.embedding).toHaveLength(8);
  });

  it('lists and retrieves models; an unknown id is a 404', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    const model = await client.models.retrieve('gpt-4o-mini');
    expect(model).toMatchObject({ id: 'gpt-4o-mini', object: 'model' });
    await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('flags moderation categories by marker word, per input', async () => {
    const result = await client.moderations.create({
      model: 'omni-moderation-latest',
      input: ['a friendly note', 'this has HATE_SAMPLE in it', 'violence_sample and SELFHARM_SAMPLE'],
    });
    expect(result.model).toBe('omni-moderation-2024-07-18');
    const [clean, hate, both] = result.results;
    expect(clean?.flagged).toBe(false);
    expect(hate?.flagged).toBe(true);
    expect(hate?.categories.hate).toBe(true);
    expect(hate?.categories.violence).toBe(false);
    expect(both?.categories.violence).toBe(true);
    expect(both?.categories['self-harm']).toBe(true);
    expect(both?.category_scores.violence).toBeGreaterThan(0.9);
  });

  it('answers any other path with a 404 in OpenAI error shape', async () => {
    const res = await fetch(`${standin.url}/assistants/nope`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (DELETE /v1/assistants/nope)', type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await fetch(`${standin.url}/chat/completions`, { method: 'POST', body: '{oops' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/could not parse the JSON body/);
  });
});

describe('faults', () => {
  it('surfaces x-standin-status: 429 as RateLimitError with retry-after', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-status': '429' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rate = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rate.status).toBe(429);
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.message).toMatch(/Rate limit reached for gpt-4o-mini/);
    expect(rate.headers.get('retry-after')).toBe('1');
    expect(rate.requestID).toMatch(/^req_/);
  });

  it('maps 401, 500 and 503 to the SDK error classes', async () => {
    const call = (status: string) =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-status': status } });
    await expect(call('401')).rejects.toThrow(/Incorrect API key provided/);
    await expect(call('401')).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(call('500')).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(call('503')).rejects.toMatchObject({ status: 503 });
  });

  it('waits x-standin-delay-ms before answering', async () => {
    const started = Date.now();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-delay-ms': '150' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('stalls a stream after N events until the client gives up', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, stream: true },
      { headers: { 'x-standin-stall-after': '2' }, signal: controller.signal },
    );
    const received: string[] = [];
    setTimeout(() => controller.abort(), 200);
    for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    expect(received).toEqual(['', 'You']); // the role chunk and one delta, then nothing
    // The stand-in is unharmed and still answers.
    const after = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    expect(after.choices[0]?.message.content).toMatch(/^You said/);
  });

  it('stalls a JSON response after its headers', async () => {
    const res = await fetch(`${standin.url}/models`, {
      headers: { 'x-standin-stall-after': '0' },
      signal: AbortSignal.timeout(200),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('never answers x-standin-hang, so the client times out', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-hang': '1' }, timeout: 200 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('drops the connection mid-response, for JSON and SSE alike', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-drop': '1' } }),
    ).rejects.toThrow();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, stream: true },
      { headers: { 'x-standin-drop': '1' } },
    );
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow();
    expect(received.length).toBeGreaterThan(0);
  });

  it('echoes received header names and values, never the Authorization value', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-standin-echo-headers': '1', 'x-caller': 'billing-api' } })
      .withResponse();
    const echoed = JSON.parse(response.headers.get('x-standin-received-headers') ?? '{}') as Record<string, string>;
    expect(echoed['x-caller']).toBe('billing-api');
    expect(echoed.authorization).toBe('[redacted]');
    expect(JSON.stringify(echoed)).not.toContain('sk-test');
  });
});

describe('recording, auth and shutdown', () => {
  it('records method, path, query, headers and raw body; reset() clears', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { query: { trace: 'on' } });
    expect(standin.requests).toHaveLength(1);
    const [recorded] = standin.requests;
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/chat/completions', url: '/v1/chat/completions?trace=on' });
    expect(recorded?.headers.authorization).toBe('Bearer sk-test');
    expect(JSON.parse(recorded!.body)).toMatchObject({ model: 'gpt-4o-mini', messages: hello });
    standin.reset();
    expect(standin.requests).toHaveLength(0);
  });

  it('keeps only the last maxRecorded requests', async () => {
    const small = await startStandin({ maxRecorded: 2 });
    try {
      for (const id of ['a', 'b', 'c']) await fetch(`${small.url}/models/${id}`);
      expect(small.requests.map((r) => r.path)).toEqual(['/v1/models/b', '/v1/models/c']);
    } finally {
      await small.close();
    }
  });

  it('requires the key when started with requireKey', async () => {
    const locked = await startStandin({ requireKey: 'sk-right-key-123456' });
    try {
      const wrong = new OpenAI({ baseURL: locked.url, apiKey: 'sk-wrong-key-abcdef', maxRetries: 0 });
      const error = await wrong.models.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as Error).message).toMatch(/Incorrect API key provided: sk-\*+cdef/);
      const right = new OpenAI({ baseURL: locked.url, apiKey: 'sk-right-key-123456', maxRetries: 0 });
      expect((await right.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    } finally {
      await locked.close();
    }
  });

  it('close() ends keep-alive, stalled and hung connections promptly', async () => {
    const own = await startStandin({ chunkDelayMs: 50 });
    const sdk = new OpenAI({ baseURL: own.url, apiKey: 'sk-test', maxRetries: 0 });
    await sdk.models.list(); // leaves an idle keep-alive socket
    const stalled = await sdk.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hello, stream: true },
      { headers: { 'x-standin-stall-after': '1' } },
    );
    const hung = sdk.models.list({ headers: { 'x-standin-hang': '1' } }).catch((e: unknown) => e);
    const draining = (async () => {
      for await (const _ of stalled);
    })().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(OpenAI.APIConnectionError);
    await draining; // ends (with an error) instead of waiting forever
  });
});
