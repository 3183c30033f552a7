// Reading text out of request bodies (for token counts and the echoed reply) and cutting
// reply text into stream deltas. Request shapes are untrusted JSON: everything is checked.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A content value: a string, or an array of parts (`text`, `input_text`, `output_text`, …). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part === 'string') text += part;
    else if (isObject(part) && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** Every text a message carries: content, tool-call names and arguments, tool output. */
function messageChars(message: Json): number {
  let chars = contentText(message.content).length + contentText(message.output).length;
  if (typeof message.arguments === 'string') chars += message.arguments.length;
  if (typeof message.name === 'string') chars += message.name.length;
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const fn = isObject(call) ? call.function : undefined;
      if (isObject(fn)) chars += String(fn.name ?? '').length + String(fn.arguments ?? '').length;
    }
  }
  if (isObject(message.function_call)) chars += String(message.function_call.arguments ?? '').length;
  return chars;
}

export interface PromptText {
  /** UTF-16 length of all text in the request's messages/input (the token estimate's base). */
  readonly chars: number;
  /** Text of the last `user` message: what the default reply echoes. */
  readonly lastUser: string;
}

/** Chat `messages`, or a Responses `input` array (messages and typed items alike). */
export function messagesText(items: readonly unknown[]): PromptText {
  let chars = 0;
  let lastUser = '';
  for (const item of items) {
    if (!isObject(item)) continue;
    chars += messageChars(item);
    if (item.role === 'user') lastUser = contentText(item.content);
  }
  return { chars, lastUser };
}

/** Tokens ≈ characters / 4, as OpenAI's rule of thumb for English text. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

const REPLY_DIRECTIVE = /\[\[reply:([\s\S]*?)\]\]/;

/** `[[reply:…]]` in the last user message sets the exact reply text. */
export function replyDirective(lastUser: string): string | null {
  if (!lastUser.includes('[[reply:')) return null;
  return REPLY_DIRECTIVE.exec(lastUser)?.[1] ?? null;
}

/** The first `max` UTF-16 units, never splitting a surrogate pair. */
export function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
