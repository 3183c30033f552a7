// POST /v1/chat/completions: JSON, or SSE chunks as OpenAI sends them (role first, then
// content or tool-call argument deltas, a finish chunk per choice, the usage chunk with
// `choices: []` when `stream_options.include_usage`, then `[DONE]`).
import { missingParam } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { objectId, unixSeconds } from '../ids.js';
import { capText, replyChars, replyFor, returnedModel, type Reply } from '../reply.js';
import { sendError, sendJson, sendSse, SSE_DONE } from '../respond.js';
import { splitText } from '../split.js';
import { messagesText } from '../text.js';
import { completionUsage, countTokens } from '../usage.js';
import { choiceCount, requireModel, streamUsageWanted, tokenCap, type Body } from './params.js';

const FINGERPRINT = 'fp_standin01';

interface Choice {
  readonly reply: Reply;
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
}

function choose(ex: Exchange, index: number, lastUser: string, cap: number | null): Choice {
  const reply = replyFor(ex.controls, index, lastUser, true);
  if (reply.kind === 'tool') return { reply, finishReason: 'tool_calls' };
  const capped = capText(reply.text, cap);
  return { reply: { kind: 'text', text: capped.text }, finishReason: capped.truncated ? 'length' : 'stop' };
}

function message(reply: Reply): Body {
  if (reply.kind === 'text') return { role: 'assistant', content: reply.text, refusal: null, annotations: [] };
  return {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: reply.callId, type: 'function', function: { name: reply.name, arguments: reply.arguments } }],
    refusal: null,
    annotations: [],
  };
}

function firstDelta(reply: Reply): Body {
  if (reply.kind === 'text') return { role: 'assistant', content: '', refusal: null };
  return {
    role: 'assistant',
    content: null,
    tool_calls: [{ index: 0, id: reply.callId, type: 'function', function: { name: reply.name, arguments: '' } }],
    refusal: null,
  };
}

function pieceDelta(reply: Reply, piece: string): Body {
  return reply.kind === 'text' ? { content: piece } : { tool_calls: [{ index: 0, function: { arguments: piece } }] };
}

function deltas(ex: Exchange, reply: Reply): string[] {
  const text = reply.kind === 'text' ? reply.text : reply.arguments;
  return splitText(text, ex.controls.split, reply.kind === 'text' ? 'prose' : 'arguments');
}

export function chatCompletions(ex: Exchange, body: Body): void | Promise<void> {
  const model = requireModel(ex, body);
  if (model === null) return;
  if (!Array.isArray(body.messages)) return sendError(ex, missingParam('messages'));
  const n = choiceCount(ex, body);
  if (n === null) return;

  const prompt = messagesText(body.messages);
  const cap = tokenCap(body, 'max_completion_tokens', 'max_tokens');
  const choices: Choice[] = [];
  let completionChars = 0;
  for (let i = 0; i < n; i++) {
    const choice = choose(ex, i, prompt.lastUser, cap);
    choices.push(choice);
    completionChars += replyChars(choice.reply);
  }
  const usage = completionUsage(countTokens(ex.controls, prompt.chars, completionChars));
  const id = objectId('chatcmpl-');
  const created = unixSeconds();
  const returned = returnedModel(model);

  if (body.stream !== true) {
    return sendJson(ex, {
      id,
      object: 'chat.completion',
      created,
      model: returned,
      choices: choices.map((c, index) => ({ index, message: message(c.reply), logprobs: null, finish_reason: c.finishReason })),
      ...(ex.controls.noUsage ? {} : { usage }),
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    });
  }

  const withUsage = streamUsageWanted(ex, body);
  // Every chunk shares its envelope: serialise it once and splice each chunk's choices in,
  // instead of stringifying the same fields hundreds of times per streamed reply.
  const envelope = JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created,
    model: returned,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  });
  const open = `data: ${envelope.slice(0, -1)},"choices":`;
  const close = withUsage ? ',"usage":null}\n\n' : '}\n\n';
  const chunk = (choiceList: readonly Body[], finalUsage?: Body): string =>
    finalUsage
      ? `${open}${JSON.stringify(choiceList)},"usage":${JSON.stringify(finalUsage)}}\n\n`
      : `${open}${JSON.stringify(choiceList)}${close}`;
  const entry = (index: number, delta: Body, finish: string | null): Body => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finish,
  });

  // Choices interleave step by step, one choice per chunk, as the API sends `n > 1`.
  const pieces = choices.map((c) => deltas(ex, c.reply));
  const steps = Math.max(0, ...pieces.map((p) => p.length));
  const events: string[] = choices.map((c, i) => chunk([entry(i, firstDelta(c.reply), null)]));
  for (let step = 0; step < steps; step++) {
    choices.forEach((c, i) => {
      const piece = pieces[i]![step];
      if (piece !== undefined) events.push(chunk([entry(i, pieceDelta(c.reply, piece), null)]));
    });
  }
  choices.forEach((c, i) => events.push(chunk([entry(i, {}, c.finishReason)])));
  if (withUsage) events.push(chunk([], usage));
  events.push(SSE_DONE);
  return sendSse(ex, events);
}
