// The generated text of a non-streaming response, as segments (so output filters can
// redact in place), plus how to withhold one choice's content when a filter blocks it.
import type { Segment } from '../filters/types.js';
import type { FilteredRoute } from './routes.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function push(out: Segment[], path: (string | number)[], kind: Segment['kind'], value: unknown): void {
  if (typeof value === 'string' && value.length > 0) out.push({ path, kind, role: 'assistant', text: value });
}

export function extractResponse(route: FilteredRoute, body: unknown): Segment[] {
  const out: Segment[] = [];
  if (!isObject(body)) return out;
  if (route === 'chat.completions' && Array.isArray(body.choices)) {
    body.choices.forEach((choice, i) => {
      if (!isObject(choice) || !isObject(choice.message)) return;
      const m = choice.message;
      push(out, ['choices', i, 'message', 'content'], 'text', m.content);
      if (Array.isArray(m.content)) {
        m.content.forEach((part, j) => {
          if (isObject(part)) push(out, ['choices', i, 'message', 'content', j, 'text'], 'text', part.text);
        });
      }
      push(out, ['choices', i, 'message', 'refusal'], 'text', m.refusal);
      // Reasoning some OpenAI-compatible gateways return beside the content, and the
      // transcript of an audio reply.
      push(out, ['choices', i, 'message', 'reasoning_content'], 'text', m.reasoning_content);
      push(out, ['choices', i, 'message', 'reasoning'], 'text', m.reasoning);
      if (isObject(m.audio)) push(out, ['choices', i, 'message', 'audio', 'transcript'], 'text', m.audio.transcript);
      if (Array.isArray(m.tool_calls)) {
        m.tool_calls.forEach((call, k) => {
          if (isObject(call) && isObject(call.function)) {
            push(out, ['choices', i, 'message', 'tool_calls', k, 'function', 'arguments'], 'tool_arguments', call.function.arguments);
          } else if (isObject(call) && isObject(call.custom)) {
            push(out, ['choices', i, 'message', 'tool_calls', k, 'custom', 'input'], 'tool_arguments', call.custom.input);
          }
        });
      }
      // The legacy single function call.
      if (isObject(m.function_call)) push(out, ['choices', i, 'message', 'function_call', 'arguments'], 'tool_arguments', m.function_call.arguments);
    });
  } else if (route === 'completions' && Array.isArray(body.choices)) {
    body.choices.forEach((choice, i) => {
      if (isObject(choice)) push(out, ['choices', i, 'text'], 'text', choice.text);
    });
  } else if (route === 'responses' && Array.isArray(body.output)) {
    body.output.forEach((item, i) => {
      if (!isObject(item)) return;
      if (item.type === 'message' && Array.isArray(item.content)) {
        item.content.forEach((part, j) => {
          if (!isObject(part)) return;
          push(out, ['output', i, 'content', j, 'text'], 'text', part.text);
          push(out, ['output', i, 'content', j, 'refusal'], 'text', part.refusal);
        });
      } else if (item.type === 'function_call') {
        push(out, ['output', i, 'arguments'], 'tool_arguments', item.arguments);
      } else if (item.type === 'custom_tool_call') {
        push(out, ['output', i, 'input'], 'tool_arguments', item.input);
      } else if (item.type === 'reasoning') {
        if (Array.isArray(item.summary)) {
          item.summary.forEach((part, j) => {
            if (isObject(part)) push(out, ['output', i, 'summary', j, 'text'], 'text', part.text);
          });
        }
        if (Array.isArray(item.content)) {
          item.content.forEach((part, j) => {
            if (isObject(part)) push(out, ['output', i, 'content', j, 'text'], 'text', part.text);
          });
        }
      } else if (item.type === 'code_interpreter_call') {
        push(out, ['output', i, 'code'], 'tool_arguments', item.code);
      } else if (item.type === 'mcp_call') {
        push(out, ['output', i, 'arguments'], 'tool_arguments', item.arguments);
        push(out, ['output', i, 'output'], 'tool_result', item.output);
      }
    });
  }
  return out;
}

/** The returned model name, when the body says. */
export function returnedModel(body: unknown): string | null {
  if (!isObject(body)) return null;
  if (typeof body.model === 'string') return body.model;
  if (isObject(body.response) && typeof body.response.model === 'string') return body.response.model;
  return null;
}

/**
 * Removes the log probabilities of the choice (or output part) a segment belongs to: their
 * tokens spell the text, so they must not outlive a redaction or a withheld choice.
 */
export function dropLogprobs(route: FilteredRoute, body: Record<string, unknown>, segmentPath: readonly (string | number)[]): void {
  const index = segmentPath[1];
  if (typeof index !== 'number') return;
  if (route === 'responses') {
    const item = (body.output as unknown[])[index];
    if (!isObject(item) || !Array.isArray(item.content)) return;
    for (const part of item.content) if (isObject(part) && 'logprobs' in part) part.logprobs = [];
    return;
  }
  const choice = (body.choices as unknown[])[index];
  if (isObject(choice) && 'logprobs' in choice) choice.logprobs = null;
}

/**
 * Withholds the content of the choice (or output item) a segment belongs to, the way Azure
 * OpenAI does: content gone, `finish_reason: "content_filter"`.
 */
export function withholdChoice(route: FilteredRoute, body: Record<string, unknown>, segmentPath: readonly (string | number)[]): void {
  const index = segmentPath[1];
  if (typeof index !== 'number') return;
  dropLogprobs(route, body, segmentPath);
  if (route === 'responses') {
    const item = (body.output as unknown[])[index];
    if (!isObject(item)) return;
    if (Array.isArray(item.content)) item.content = [];
    if (Array.isArray(item.summary)) item.summary = [];
    if ('arguments' in item) item.arguments = '';
    if (item.type === 'custom_tool_call' && 'input' in item) item.input = '';
    if (typeof item.code === 'string') item.code = '';
    if (typeof item.output === 'string') item.output = '';
    item.status = 'incomplete';
    body.status = 'incomplete';
    body.incomplete_details = { reason: 'content_filter' };
    return;
  }
  const choice = (body.choices as unknown[])[index];
  if (!isObject(choice)) return;
  choice.finish_reason = 'content_filter';
  if (route === 'completions') {
    choice.text = '';
  } else if (isObject(choice.message)) {
    choice.message.content = null;
    if (typeof choice.message.refusal === 'string') choice.message.refusal = null;
    delete choice.message.reasoning_content;
    if (typeof choice.message.reasoning === 'string') delete choice.message.reasoning;
    delete choice.message.audio;
    delete choice.message.tool_calls;
    delete choice.message.function_call;
  }
}
