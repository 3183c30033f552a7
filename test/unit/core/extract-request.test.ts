import { describe, expect, it } from 'vitest';
import { extractRequest, requestParams } from '../../../src/openai/extract-request.js';

describe('extractRequest', () => {
  it('takes every message of every role, content parts, tool calls and tool results', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'image_url', image_url: { url: 'https://x' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"q":"args"}' } }] },
        { role: 'tool', tool_call_id: 'c', content: 'tool output' },
        { role: 'user', content: 'last' },
      ],
    };
    const { segments, unscanned } = extractRequest('chat.completions', body);
    expect(segments.map((s) => [s.role, s.kind, s.text, s.path.join('.')])).toEqual([
      ['system', 'text', 'sys', 'messages.0.content'],
      ['user', 'text', 'part one', 'messages.1.content.0.text'],
      ['assistant', 'tool_arguments', '{"q":"args"}', 'messages.2.tool_calls.0.function.arguments'],
      ['tool', 'tool_result', 'tool output', 'messages.3.content'],
      ['user', 'text', 'last', 'messages.4.content'],
    ]);
    expect(unscanned).toEqual(['image_url']);
  });

  it('reads prompt, input and instructions, and notes token ids it cannot scan', () => {
    expect(extractRequest('completions', { prompt: ['a', 'b'] }).segments.map((s) => s.text)).toEqual(['a', 'b']);
    expect(extractRequest('embeddings', { input: [[1, 2]] }).unscanned).toEqual(['token_ids']);
    const r = extractRequest('responses', {
      instructions: 'be kind',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
        { type: 'function_call', call_id: 'x', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'x', output: 'result' },
      ],
    });
    expect(r.segments.map((s) => [s.kind, s.text])).toEqual([
      ['text', 'be kind'],
      ['input', 'hi'],
      ['tool_arguments', '{}'],
      ['tool_result', 'result'],
    ]);
  });

  it('reads the rest of what reaches the model: tool definitions, prediction, suffix, reasoning summaries, prompt variables', () => {
    const tools = [{ type: 'function', function: { name: 'lookup', description: 'Ask db.internal with key sk-x', parameters: { type: 'object', properties: { q: { type: 'string', description: 'the query', enum: ['a b'] } } } } }];
    const chat = extractRequest('chat.completions', { model: 'm', tools, prediction: { type: 'content', content: 'predicted text' }, messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.segments.map((s) => [s.path.join('.'), s.role, s.text])).toEqual([
      ['tools.0.function.name', 'tools', 'lookup'],
      ['tools.0.function.description', 'tools', 'Ask db.internal with key sk-x'],
      ['tools.0.function.parameters.properties.q.description', 'tools', 'the query'],
      ['tools.0.function.parameters.properties.q.enum.0', 'tools', 'a b'],
      ['prediction.content', 'prediction', 'predicted text'],
      ['messages.0.content', 'user', 'hi'],
    ]);
    const completion = extractRequest('completions', { model: 'm', prompt: 'def f(', suffix: '  return secret' });
    expect(completion.segments.map((s) => s.text)).toEqual(['def f(', '  return secret']);
    const resp = extractRequest('responses', {
      model: 'm',
      prompt: { id: 'pmpt_1', variables: { city: 'Paris', note: { type: 'input_text', text: 'call me' }, photo: { type: 'input_image', image_url: 'x' } } },
      input: [{ type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'I thought' }], encrypted_content: 'gAAA' }],
    });
    expect(resp.segments.map((s) => s.text)).toEqual(['Paris', 'call me', 'I thought']);
    expect(resp.unscanned).toEqual(['prompt_variable:input_image', 'reasoning.encrypted_content']);
  });

  it('reads a property named `type` and output schemas (response_format, text.format)', () => {
    const schema = { type: 'object', properties: { type: { type: 'string', description: 'the kind, e.g. x' } } };
    const chat = extractRequest('chat.completions', {
      model: 'm',
      tools: [{ type: 'function', function: { name: 'f', parameters: schema } }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', description: 'say hi' } } },
      messages: [],
    });
    expect(chat.segments.map((s) => s.path.join('.'))).toEqual([
      'tools.0.function.name',
      'tools.0.function.parameters.properties.type.description',
      'response_format.json_schema.name',
      'response_format.json_schema.schema.description',
    ]);
    const resp = extractRequest('responses', { model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'a', schema: { description: 'd' } } } });
    expect(resp.segments.map((s) => s.text)).toEqual(['a', 'd', 'x']);
  });

  it('survives hostile shapes without throwing', () => {
    for (const body of [{}, { messages: 'x' }, { messages: [null, 1, { role: 5, content: {} }] }, { input: { __proto__: { a: 1 } } }]) {
      expect(() => extractRequest('chat.completions', body as Record<string, unknown>)).not.toThrow();
      expect(() => extractRequest('responses', body as Record<string, unknown>)).not.toThrow();
    }
  });

  it('keeps request parameters, not the prompt', () => {
    expect(requestParams({ model: 'm', messages: [], temperature: 0, tools: [{ type: 'function', function: { name: 'lookup' } }] })).toEqual({
      temperature: 0,
      tools: ['lookup'],
    });
    expect(requestParams({ model: 'm' })).toBeNull();
  });

  it('keeps parameters that carry free text without it: output schemas by type and name, stop sequences by count', () => {
    const params = requestParams({
      model: 'm',
      stop: ['project nightingale', 'x'],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, description: 'mail jane@x.io', schema: { description: 'secret' } } },
      text: { verbosity: 'low', format: { type: 'json_schema', name: 'a', schema: { description: 'secret' } } },
    });
    expect(
      requestParams({
        user: { id: 'jane@x.io' },
        service_tier: 'jane@x.io',
        reasoning: { effort: 'low', summary: 'mail jane@x.io' },
        tool_choice: { type: 'function', function: { name: 'f' } },
        text: 'free text',
        response_format: { type: 'json_object', schema: { description: 'secret' } },
        tools: [{ type: 'function', function: { name: { evil: 'jane@x.io' } } }],
      }),
    ).toEqual({
      user: '(object)',
      service_tier: '(text)',
      reasoning: { effort: 'low', summary: '(text)' },
      tool_choice: { type: 'function', name: 'f' },
      text: '(text)',
      response_format: { type: 'json_object' },
      tools: ['(object)'],
    });
    expect(params).toEqual({
      stop: '2 stop sequences',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true } },
      text: { verbosity: 'low', format: { type: 'json_schema', name: 'a' } },
    });
  });
});
