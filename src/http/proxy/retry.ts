// When and how long to wait before retrying an upstream call. Retries happen only before
// any byte went to the client, so a client never sees two half-answers.
import type { IncomingHttpHeaders } from 'node:http';

export interface RetryPolicy {
  readonly on: readonly number[];
  readonly maxAttempts: number;
  readonly maxWaitMs: number;
}

/**
 * The delay before attempt `attempt + 1`, or null to give up and pass the answer on.
 * Honours `retry-after-ms` and `Retry-After` (seconds or an HTTP date); without them,
 * exponential backoff with full jitter from 200 ms.
 */
export function retryDelay(
  policy: RetryPolicy,
  status: number,
  attempt: number,
  headers: IncomingHttpHeaders = {},
  now: number = Date.now(),
  random: () => number = Math.random,
): number | null {
  if (!policy.on.includes(status) || attempt >= policy.maxAttempts) return null;
  const hinted = retryAfterMs(headers, now);
  if (hinted !== null) return hinted <= policy.maxWaitMs ? hinted : null;
  return Math.min(policy.maxWaitMs, Math.round(random() * 200 * 2 ** (attempt - 1)));
}

function retryAfterMs(headers: IncomingHttpHeaders, now: number): number | null {
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers['retry-after'];
  if (raw === undefined) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
