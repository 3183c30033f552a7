// The generated text of non-streaming responses, and withholding a choice: nothing of a
// withheld choice stays behind (refusal, tool calls, log probabilities).
import { describe, expect, it } from 'vitest';
import { dropLogprobs, extractResponse, withholdChoice } from '../../../src/openai/extract-response.js';

describe('extractResponse', () => {
  it('reads content, refusal, tool calls (function, custom, legacy), Responses parts, custom tool input and reasoning summaries', () => {
    const chat = {
      choices: [
        {
          index: 0,
          message: {
            content: 'c',
            refusal: 'r',
            tool_calls: [{ type: 'function', function: { arguments: '{"a":1}' } }, { type: 'custom', custom: { input: 'raw input' } }],
            function_call: { name: 'f', arguments: '{"b":2}' },
          },
        },
      ],
    };
    expect(extractResponse('chat.completions', chat).map((s) => s.path.join('.'))).toEqual([
      'choices.0.message.content',
      'choices.0.message.refusal',
      'choices.0.message.tool_calls.0.function.arguments',
      'choices.0.message.tool_calls.1.custom.input',
      'choices.0.message.function_call.arguments',
    ]);
    const responses = {
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'thought' }] },
        { type: 'message', content: [{ type: 'output_text', text: 'hello' }] },
        { type: 'custom_tool_call', input: 'tool input' },
      ],
    };
    expect(extractResponse('responses', responses).map((s) => s.text)).toEqual(['thought', 'hello', 'tool input']);
  });
});

describe('withholdChoice and dropLogprobs', () => {
  it('leaves nothing of a withheld chat choice: content, refusal, tool calls, log probabilities', () => {
    const body = { choices: [{ index: 0, message: { content: null, refusal: 'that is bad', tool_calls: [] }, logprobs: { content: [{ token: 'bad' }] }, finish_reason: 'stop' }] };
    withholdChoice('chat.completions', body, ['choices', 0, 'message', 'refusal']);
    expect(body.choices[0]).toEqual({ index: 0, message: { content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' });
  });

  it('drops the log probabilities of a redacted choice or Responses part', () => {
    const chat = { choices: [{ index: 0, message: { content: '[REDACTED:email]' }, logprobs: { content: [{ token: 'jane' }] } }] };
    dropLogprobs('chat.completions', chat, ['choices', 0, 'message', 'content']);
    expect(chat.choices[0]!.logprobs).toBeNull();
    const responses = { output: [{ type: 'message', content: [{ type: 'output_text', text: 'x', logprobs: [{ token: 'jane' }] }] }] };
    dropLogprobs('responses', responses, ['output', 0, 'content', 0, 'text']);
    expect(responses.output[0]!.content[0]!.logprobs).toEqual([]);
  });
});
