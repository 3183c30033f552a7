// Per-request control headers (`x-standin-*`). They are parsed once, before routing, into
// one plain object the routes read. An unknown or malformed `x-standin-*` header is a 400
// naming the header: a typo in a test must fail loudly, not silently test nothing.
import type { IncomingHttpHeaders } from 'node:http';

export const CONTROL_PREFIX = 'x-standin-';

/** How a streamed text (or tool-call arguments) is cut into deltas, in code points. */
export type SplitSpec =
  | { readonly kind: 'default' }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'size'; readonly size: number }
  | { readonly kind: 'at'; readonly offsets: readonly number[] };

export interface ToolCallSpec {
  readonly name: string;
  /** Sent verbatim, not validated, so malformed arguments can be tested too. */
  readonly arguments: string;
}

export interface Controls {
  /** Exact reply text for every choice (`x-standin-reply`). */
  reply: string | null;
  /** Reply text for one choice index (`x-standin-reply-<i>`), over `reply`. */
  choiceReplies: Map<number, string> | null;
  toolCall: ToolCallSpec | null;
  split: SplitSpec;
  status: number | null;
  /** Seconds in the `retry-after` header of a 429/503. */
  retryAfterSeconds: number;
  delayMs: number;
  /** Overrides the server's `chunkDelayMs` for this request. */
  chunkDelayMs: number | null;
  /** SSE: events written before the stream stalls; JSON: headers only, then stall. */
  stallAfter: number | null;
  hang: boolean;
  noUsage: boolean;
  drop: boolean;
  echoHeaders: boolean;
  cachedTokens: number;
  reasoningTokens: number;
}

export class ControlError extends Error {
  constructor(
    readonly header: string,
    problem: string,
  ) {
    super(`stand-in control header ${header}: ${problem}`);
  }
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const REPLY_FOR_CHOICE = /^x-standin-reply-(\d{1,3})$/;
const MAX_DURATION_MS = 3_600_000;

/** Header values are Latin-1 on the wire: non-ASCII text arrives percent-encoded. */
function decodeText(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a literal `%` that is not an escape
  }
}

function int(header: string, value: string, min: number, max: number): number {
  const trimmed = value.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ControlError(header, `expected an integer from ${min} to ${max}`);
  }
  return n;
}

function flag(header: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new ControlError(header, 'expected 1 or 0');
}

function setSplit(c: Controls, header: string, split: SplitSpec): void {
  if (c.split.kind !== 'default') {
    throw new ControlError(header, 'give only one of x-standin-chunks, x-standin-chunk-size, x-standin-split-at');
  }
  c.split = split;
}

function parseToolCall(header: string, raw: string): ToolCallSpec {
  const value = decodeText(raw);
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!TOOL_NAME.test(name)) throw new ControlError(header, 'expected name:{json arguments}');
  return { name, arguments: colon < 0 ? '{}' : value.slice(colon + 1) };
}

function parseOffsets(header: string, value: string): number[] {
  const offsets = value.split(',').map((part) => int(header, part, 1, Number.MAX_SAFE_INTEGER));
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! <= offsets[i - 1]!) throw new ControlError(header, 'offsets must increase');
  }
  return offsets;
}

type Apply = (c: Controls, value: string, header: string) => void;

/** Dispatch by header name; each entry checks and stores one control. */
const HANDLERS: Readonly<Record<string, Apply>> = {
  'x-standin-reply': (c, v) => void (c.reply = decodeText(v)),
  'x-standin-tool-call': (c, v, h) => void (c.toolCall = parseToolCall(h, v)),
  'x-standin-chunks': (c, v, h) => setSplit(c, h, { kind: 'count', count: int(h, v, 1, 1_000_000) }),
  'x-standin-chunk-size': (c, v, h) => setSplit(c, h, { kind: 'size', size: int(h, v, 1, 100_000_000) }),
  'x-standin-split-at': (c, v, h) => setSplit(c, h, { kind: 'at', offsets: parseOffsets(h, v) }),
  'x-standin-status': (c, v, h) => void (c.status = int(h, v, 400, 599)),
  'x-standin-retry-after': (c, v, h) => void (c.retryAfterSeconds = int(h, v, 0, 86_400)),
  'x-standin-delay-ms': (c, v, h) => void (c.delayMs = int(h, v, 0, MAX_DURATION_MS)),
  'x-standin-chunk-delay-ms': (c, v, h) => void (c.chunkDelayMs = int(h, v, 0, MAX_DURATION_MS)),
  'x-standin-stall-after': (c, v, h) => void (c.stallAfter = int(h, v, 0, 1_000_000)),
  'x-standin-hang': (c, v, h) => void (c.hang = flag(h, v)),
  'x-standin-no-usage': (c, v, h) => void (c.noUsage = flag(h, v)),
  'x-standin-drop': (c, v, h) => void (c.drop = flag(h, v)),
  'x-standin-echo-headers': (c, v, h) => void (c.echoHeaders = flag(h, v)),
  'x-standin-cached-tokens': (c, v, h) => void (c.cachedTokens = int(h, v, 0, 100_000_000)),
  'x-standin-reasoning-tokens': (c, v, h) => void (c.reasoningTokens = int(h, v, 0, 100_000_000)),
};

export const CONTROL_HEADERS: readonly string[] = [...Object.keys(HANDLERS), 'x-standin-reply-<i>'];

/** Controls of a request that sets none. */
export function defaultControls(): Controls {
  return {
    reply: null,
    choiceReplies: null,
    toolCall: null,
    split: { kind: 'default' },
    status: null,
    retryAfterSeconds: 1,
    delayMs: 0,
    chunkDelayMs: null,
    stallAfter: null,
    hang: false,
    noUsage: false,
    drop: false,
    echoHeaders: false,
    cachedTokens: 0,
    reasoningTokens: 0,
  };
}

/** Reads every `x-standin-*` header; throws ControlError on the first bad one. */
export function parseControls(headers: IncomingHttpHeaders): Controls {
  const c = defaultControls();
  for (const name in headers) {
    if (!name.startsWith(CONTROL_PREFIX)) continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(', ') : (raw ?? '');
    const apply = HANDLERS[name];
    if (apply) {
      apply(c, value, name);
      continue;
    }
    const choice = REPLY_FOR_CHOICE.exec(name);
    if (!choice) throw new ControlError(name, `unknown; known: ${CONTROL_HEADERS.join(', ')}`);
    (c.choiceReplies ??= new Map()).set(Number(choice[1]), decodeText(value));
  }
  return c;
}
