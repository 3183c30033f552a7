// What the stand-in answers: the reply of each choice (controlled by header, by directive,
// or echoing the prompt) and the model name it reports back.
import type { Controls } from './controls.js';
import { objectId } from './ids.js';
import { head, replyDirective } from './text.js';

export type Reply =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tool'; readonly callId: string; readonly name: string; readonly arguments: string };

const ECHO_LIMIT = 200;
const NO_PROMPT_REPLY = 'Hello from the stand-in upstream.';
const DATED_SUFFIX = '-2024-07-18';

/**
 * Precedence: `x-standin-reply-<i>` for this choice, then `x-standin-tool-call` (where the
 * endpoint has tools), then `x-standin-reply`, then `[[reply:…]]`, then the echo.
 */
export function replyFor(controls: Controls, index: number, lastUser: string, tools: boolean): Reply {
  const forChoice = controls.choiceReplies?.get(index);
  if (forChoice !== undefined) return { kind: 'text', text: forChoice };
  if (tools && controls.toolCall) {
    return { kind: 'tool', callId: objectId('call_'), name: controls.toolCall.name, arguments: controls.toolCall.arguments };
  }
  const text = controls.reply ?? replyDirective(lastUser) ?? (lastUser ? `You said: ${head(lastUser, ECHO_LIMIT)}` : NO_PROMPT_REPLY);
  return { kind: 'text', text };
}

/** Characters the reply costs as completion tokens. */
export function replyChars(reply: Reply): number {
  return reply.kind === 'text' ? reply.text.length : reply.name.length + reply.arguments.length;
}

/**
 * The model as a gateway reports it: unchanged, except that an alias ending in `-latest`
 * resolves to a dated snapshot, so tests can tell requested from returned model.
 */
export function returnedModel(requested: string): string {
  return requested.endsWith('-latest') ? requested.slice(0, -'-latest'.length) + DATED_SUFFIX : requested;
}

/** `max_tokens`-style cap: text beyond ~4 chars per token is cut, finish reason `length`. */
export function capText(text: string, maxTokens: number | null): { text: string; truncated: boolean } {
  if (maxTokens === null || text.length <= maxTokens * 4) return { text, truncated: false };
  return { text: head(text, maxTokens * 4), truncated: true };
}
