// Request parameters shared by the generation routes, checked the way the API checks them.
// Each checker answers with the 400 itself and returns null, so a route reads top-down.
import { invalidParam, missingModel } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { sendError } from '../respond.js';

export type Body = Record<string, unknown>;
export type Handler = (ex: Exchange, body: Body) => void | Promise<void>;

const MAX_CHOICES = 128;

export function requireModel(ex: Exchange, body: Body): string | null {
  if (typeof body.model === 'string' && body.model.length > 0) return body.model;
  sendError(ex, missingModel());
  return null;
}

/** `n`: how many choices, 1 when absent. */
export function choiceCount(ex: Exchange, body: Body): number | null {
  const n = body.n ?? 1;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CHOICES) return n;
  sendError(ex, invalidParam('n', `Invalid 'n': expected an integer from 1 to ${MAX_CHOICES}.`));
  return null;
}

/** The first of `keys` that holds a positive integer (`max_completion_tokens`, `max_tokens`). */
export function tokenCap(body: Body, ...keys: string[]): number | null {
  for (const key of keys) {
    const v = body[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return null;
}

/** A streamed reply carries usage only when asked for and not suppressed. */
export function streamUsageWanted(ex: Exchange, body: Body): boolean {
  const options = body.stream_options;
  const asked = typeof options === 'object' && options !== null && (options as Body).include_usage === true;
  return asked && !ex.controls.noUsage;
}
