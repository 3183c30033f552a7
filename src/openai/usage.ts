// Token usage as the record keeps it, read from either usage shape (chat/completions:
// prompt/completion tokens; responses: input/output tokens).
import { TokenCounter } from './token-counter.js';

export interface Usage {
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  readonly totalTokens: number | null;
  readonly cachedTokens: number | null;
  readonly reasoningTokens: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

export function readUsage(raw: unknown): Usage | null {
  const u = obj(raw);
  if (!u) return null;
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens);
  const completion = num(u.completion_tokens) ?? num(u.output_tokens);
  const total = num(u.total_tokens) ?? (prompt !== null && completion !== null ? prompt + completion : prompt);
  const promptDetails = obj(u.prompt_tokens_details) ?? obj(u.input_tokens_details);
  const completionDetails = obj(u.completion_tokens_details) ?? obj(u.output_tokens_details);
  if (prompt === null && completion === null && total === null) return null;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: total,
    cachedTokens: num(promptDetails?.cached_tokens),
    reasoningTokens: num(completionDetails?.reasoning_tokens),
  };
}

type Counter = (text: string) => number;

const counter = new TokenCounter();
let inThread: Promise<Counter> | null = null;

/** Starts the token counter's worker and resolves once it counts (about 300 ms the first time). */
export async function loadTokenizer(): Promise<void> {
  await counter.count(['']);
}

/** The o200k tokenizer in this thread: only for when the worker cannot count. */
function countInThread(): Promise<Counter> {
  inThread ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text));
  return inThread;
}

/** An estimate for a call whose upstream sent no usage: o200k counts of what was seen. */
export async function estimateUsage(promptText: string | null, completionText: string | null): Promise<Usage> {
  const texts = [promptText || null, completionText];
  let counts: (number | null)[];
  try {
    counts = await counter.count(texts);
  } catch {
    // The worker failed (it starts again on the next count): count here rather than
    // leave the record without usage.
    const count = await countInThread();
    counts = texts.map((t) => (t === null ? null : count(t)));
  }
  const prompt = counts[0] ?? 0;
  const completion = counts[1] ?? null;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + (completion ?? 0),
    cachedTokens: null,
    reasoningTokens: null,
  };
}
