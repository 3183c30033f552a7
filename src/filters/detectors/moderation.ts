import { z } from 'zod';
import type { AsyncScanner, AsyncVerdict, Detector } from '../types.js';

// Asks an OpenAI-compatible moderation endpoint about the whole text. Failures (timeout,
// HTTP error, an answer of the wrong shape) are thrown as errors whose messages say what
// went wrong and never quote the text; the engine applies `onError`.

const options = z.strictObject({
  /** The API root including /v1, e.g. https://gateway.internal/v1. */
  endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of the API root, e.g. http://host/v1' }),
  /** Only these categories count (a category also covers its sub-categories: `self-harm` ⊃ `self-harm/intent`). */
  categories: z.array(z.string().min(1)).min(1).optional(),
  model: z.string().min(1).optional(),
  timeout_ms: z.int().min(1).max(60_000).default(2000),
  on_error: z.enum(['allow', 'block']).default('allow'),
  api_key: z.string().min(1).optional(),
});

export type ModerationOptions = z.output<typeof options>;

const answerSchema = z.object({
  results: z
    .array(
      z.object({
        flagged: z.boolean().optional(),
        categories: z.record(z.string(), z.boolean().nullable()).optional(),
      }),
    )
    .min(1),
});

function covers(wanted: readonly string[], category: string): boolean {
  return wanted.some((w) => category === w || category.startsWith(`${w}/`));
}

/** The verdict over all results (a gateway may split a long input). */
function verdictOf(answer: z.output<typeof answerSchema>, wanted: readonly string[] | undefined): AsyncVerdict {
  const hit = new Set<string>();
  let flaggedOverall = false;
  for (const result of answer.results) {
    flaggedOverall ||= result.flagged === true;
    for (const [category, value] of Object.entries(result.categories ?? {})) {
      if (value === true && (wanted === undefined || covers(wanted, category))) hit.add(category);
    }
  }
  const categories = [...hit].sort();
  // Without a category filter the service's own `flagged` decides.
  const flagged = wanted === undefined ? flaggedOverall || categories.length > 0 : categories.length > 0;
  return { flagged, categories };
}

class ModerationError extends Error {
  override readonly name = 'ModerationError';
}

/** What went wrong, in words that never include the text being judged. */
function failure(error: unknown, timeout: AbortSignal, signal: AbortSignal, timeoutMs: number): ModerationError {
  if (signal.aborted) return new ModerationError('moderation request cancelled');
  if (timeout.aborted) return new ModerationError(`moderation endpoint did not answer within ${timeoutMs} ms`);
  if (error instanceof SyntaxError) return new ModerationError('moderation endpoint answered with invalid JSON');
  return new ModerationError('moderation endpoint unreachable', { cause: error });
}

async function request(opts: ModerationOptions, text: string, signal: AbortSignal): Promise<unknown> {
  const url = `${opts.endpoint.replace(/\/+$/, '')}/moderations`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.api_key !== undefined) headers.authorization = `Bearer ${opts.api_key}`;
  const body = JSON.stringify(opts.model === undefined ? { input: text } : { input: text, model: opts.model });
  const timeout = AbortSignal.timeout(opts.timeout_ms);
  const both = AbortSignal.any([signal, timeout]);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: both });
  } catch (error) {
    throw failure(error, timeout, signal, opts.timeout_ms);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new ModerationError(`moderation endpoint answered HTTP ${response.status}`);
  }
  try {
    return await response.json();
  } catch (error) {
    // The timeout also covers reading the body.
    throw failure(error, timeout, signal, opts.timeout_ms);
  }
}

function create(opts: ModerationOptions): AsyncScanner {
  return {
    kind: 'async',
    onError: opts.on_error,
    async check(text: string, signal: AbortSignal): Promise<AsyncVerdict> {
      const parsed = answerSchema.safeParse(await request(opts, text, signal));
      if (!parsed.success) throw new ModerationError('moderation endpoint answered in an unexpected shape');
      return verdictOf(parsed.data, opts.categories);
    },
  };
}

export const moderation: Detector<ModerationOptions> = {
  id: 'moderation',
  description: 'An OpenAI-compatible /moderations endpoint judges the whole text',
  options,
  create,
  // It needs a service; test/unit/detectors/moderation.test.ts runs one.
  examples: { positive: [], negative: [] },
};
