// POST /v1/responses: the Responses API object, or its named SSE events in the order the
// openai SDK's ResponseStream replays them (created, in_progress, output_item.added,
// content_part.added, deltas, *.done, completed). No `[DONE]`: this API does not send one.
import { missingParam } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { objectId, unixSeconds } from '../ids.js';
import { replyChars, replyFor, returnedModel, type Reply } from '../reply.js';
import { sendError, sendJson, sendSse, sseEvent } from '../respond.js';
import { splitText } from '../split.js';
import { messagesText, type PromptText } from '../text.js';
import { countTokens, responseUsage } from '../usage.js';
import { requireModel, type Body } from './params.js';

function inputText(input: unknown): PromptText | null {
  if (typeof input === 'string') return { chars: input.length, lastUser: input };
  return Array.isArray(input) ? messagesText(input) : null;
}

/** The output item in a given state; `text` is the part of the reply streamed so far. */
function outputItem(itemId: string, reply: Reply, done: boolean): Body {
  const status = done ? 'completed' : 'in_progress';
  if (reply.kind === 'tool') {
    return {
      id: itemId,
      type: 'function_call',
      status,
      arguments: done ? reply.arguments : '',
      call_id: reply.callId,
      name: reply.name,
    };
  }
  return { id: itemId, type: 'message', status, role: 'assistant', content: done ? [textPart(reply.text)] : [] };
}

function textPart(text: string): Body {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function responses(ex: Exchange, body: Body): void | Promise<void> {
  const model = requireModel(ex, body);
  if (model === null) return;
  const input = inputText(body.input);
  if (input === null) return sendError(ex, missingParam('input'));

  const instructions = typeof body.instructions === 'string' ? body.instructions : null;
  const reply = replyFor(ex.controls, 0, input.lastUser, true);
  const tokens = countTokens(ex.controls, input.chars + (instructions?.length ?? 0), replyChars(reply));
  const id = objectId('resp_');
  const itemId = objectId(reply.kind === 'tool' ? 'fc_' : 'msg_');
  const createdAt = unixSeconds();

  const response = (status: 'in_progress' | 'completed'): Body => {
    const done = status === 'completed';
    return {
      id,
      object: 'response',
      created_at: createdAt,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions,
      max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
      model: returnedModel(model),
      output: done ? [outputItem(itemId, reply, true)] : [],
      parallel_tool_calls: true,
      previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: body.store !== false,
      temperature: typeof body.temperature === 'number' ? body.temperature : 1,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: Array.isArray(body.tools) ? body.tools : [],
      top_p: typeof body.top_p === 'number' ? body.top_p : 1,
      truncation: 'disabled',
      ...(ex.controls.noUsage ? {} : { usage: done ? responseUsage(tokens) : null }),
      user: null,
      metadata: {},
    };
  };

  if (body.stream !== true) return sendJson(ex, response('completed'));

  const events: string[] = [];
  const emit = (type: string, fields: Body): void => {
    events.push(sseEvent({ type, sequence_number: events.length, ...fields }, type));
  };
  const at = { item_id: itemId, output_index: 0 };
  emit('response.created', { response: response('in_progress') });
  emit('response.in_progress', { response: response('in_progress') });
  emit('response.output_item.added', { output_index: 0, item: outputItem(itemId, reply, false) });
  if (reply.kind === 'text') {
    const part = { ...at, content_index: 0 };
    emit('response.content_part.added', { ...part, part: textPart('') });
    for (const delta of splitText(reply.text, ex.controls.split, 'prose')) {
      emit('response.output_text.delta', { ...part, delta, logprobs: [] });
    }
    emit('response.output_text.done', { ...part, text: reply.text, logprobs: [] });
    emit('response.content_part.done', { ...part, part: textPart(reply.text) });
  } else {
    for (const delta of splitText(reply.arguments, ex.controls.split, 'arguments')) {
      emit('response.function_call_arguments.delta', { ...at, delta });
    }
    emit('response.function_call_arguments.done', { ...at, name: reply.name, arguments: reply.arguments });
  }
  emit('response.output_item.done', { output_index: 0, item: outputItem(itemId, reply, true) });
  emit('response.completed', { response: response('completed') });
  return sendSse(ex, events);
}
