// POST /v1/completions (legacy text completions): one set of `n` choices per prompt, JSON
// or SSE `text_completion` chunks ending in a `finish_reason` chunk per choice and `[DONE]`.
import { missingParam } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { objectId, unixSeconds } from '../ids.js';
import { capText, replyFor, returnedModel } from '../reply.js';
import { sendError, sendJson, sendSse, SSE_DONE, sseEvent } from '../respond.js';
import { splitText } from '../split.js';
import { completionUsage, countTokens } from '../usage.js';
import { choiceCount, requireModel, streamUsageWanted, tokenCap, type Body } from './params.js';

interface Prompt {
  readonly text: string;
  /** Characters it stands for; a token-id array counts 4 per token. */
  readonly chars: number;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** `prompt`: a string, strings, token ids, or arrays of token ids. */
function prompts(value: unknown): Prompt[] | null {
  if (typeof value === 'string') return [{ text: value, chars: value.length }];
  if (!Array.isArray(value) || value.length === 0) return null;
  if (value.every(isNumber)) return [{ text: '', chars: value.length * 4 }];
  const out: Prompt[] = [];
  for (const p of value) {
    if (typeof p === 'string') out.push({ text: p, chars: p.length });
    else if (Array.isArray(p) && p.every(isNumber)) out.push({ text: '', chars: p.length * 4 });
    else return null;
  }
  return out;
}

interface Choice {
  readonly text: string;
  readonly finishReason: 'stop' | 'length';
}

export function completions(ex: Exchange, body: Body): void | Promise<void> {
  const model = requireModel(ex, body);
  if (model === null) return;
  const list = prompts(body.prompt);
  if (list === null) return sendError(ex, missingParam('prompt'));
  const n = choiceCount(ex, body);
  if (n === null) return;

  const cap = tokenCap(body, 'max_tokens');
  const choices: Choice[] = [];
  let promptChars = 0;
  let completionChars = 0;
  for (const prompt of list) {
    promptChars += prompt.chars;
    for (let j = 0; j < n; j++) {
      const reply = replyFor(ex.controls, choices.length, prompt.text, false);
      const capped = capText(reply.kind === 'text' ? reply.text : '', cap);
      choices.push({ text: capped.text, finishReason: capped.truncated ? 'length' : 'stop' });
      completionChars += capped.text.length;
    }
  }
  const usage = completionUsage(countTokens(ex.controls, promptChars, completionChars));
  const id = objectId('cmpl-');
  const created = unixSeconds();
  const returned = returnedModel(model);

  if (body.stream !== true) {
    return sendJson(ex, {
      id,
      object: 'text_completion',
      created,
      model: returned,
      choices: choices.map((c, index) => ({ text: c.text, index, logprobs: null, finish_reason: c.finishReason })),
      ...(ex.controls.noUsage ? {} : { usage }),
    });
  }

  const withUsage = streamUsageWanted(ex, body);
  const chunk = (choiceList: readonly Body[], finalUsage?: Body): string =>
    sseEvent({
      id,
      object: 'text_completion',
      created,
      model: returned,
      choices: choiceList,
      ...(withUsage ? { usage: finalUsage ?? null } : {}),
    });

  const pieces = choices.map((c) => splitText(c.text, ex.controls.split, 'prose'));
  const steps = Math.max(0, ...pieces.map((p) => p.length));
  const events: string[] = [];
  for (let step = 0; step < steps; step++) {
    pieces.forEach((p, index) => {
      const piece = p[step];
      if (piece !== undefined) events.push(chunk([{ text: piece, index, logprobs: null, finish_reason: null }]));
    });
  }
  choices.forEach((c, index) => events.push(chunk([{ text: '', index, logprobs: null, finish_reason: c.finishReason }])));
  if (withUsage) events.push(chunk([], usage));
  events.push(SSE_DONE);
  return sendSse(ex, events);
}
