// POST /v1/embeddings: deterministic unit vectors (the same text always gives the same
// vector), as floats or as base64 float32, which the openai SDK asks for by default.
import { missingParam, invalidParam } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { returnedModel } from '../reply.js';
import { sendError, sendJson } from '../respond.js';
import { estimateTokens } from '../text.js';
import { requireModel, type Body } from './params.js';

const SMALL_DIMENSIONS = 1536;
const LARGE_DIMENSIONS = 3072;
const MAX_DIMENSIONS = 8192;

interface Input {
  readonly seed: number;
  readonly tokens: number;
}

/** FNV-1a over UTF-16 units: a cheap, stable seed per input. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashTokens(tokens: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const t of tokens) h = Math.imul(h ^ (t | 0), 0x01000193);
  return h >>> 0;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** `input`: a string, strings, token ids, or arrays of token ids. */
function inputs(value: unknown): Input[] | null {
  if (typeof value === 'string') return [{ seed: hashText(value), tokens: estimateTokens(value.length) }];
  if (!Array.isArray(value) || value.length === 0) return null;
  if (value.every(isNumber)) return [{ seed: hashTokens(value), tokens: value.length }];
  const out: Input[] = [];
  for (const v of value) {
    if (typeof v === 'string') out.push({ seed: hashText(v), tokens: estimateTokens(v.length) });
    else if (Array.isArray(v) && v.every(isNumber)) out.push({ seed: hashTokens(v), tokens: v.length });
    else return null;
  }
  return out;
}

/** mulberry32 values in [-1, 1), normalised to length 1 like real embedding vectors. */
function vector(seed: number, dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  let state = seed;
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const v = (((t ^ (t >>> 14)) >>> 0) / 2 ** 31) - 1;
    out[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) out[i] = out[i]! * scale;
  return out;
}

function dimensionsFor(model: string, requested: unknown): number | null {
  if (requested === undefined) return model.includes('large') ? LARGE_DIMENSIONS : SMALL_DIMENSIONS;
  if (typeof requested === 'number' && Number.isInteger(requested) && requested >= 1 && requested <= MAX_DIMENSIONS) {
    return requested;
  }
  return null;
}

export function embeddings(ex: Exchange, body: Body): void {
  const model = requireModel(ex, body);
  if (model === null) return;
  const list = inputs(body.input);
  if (list === null) return sendError(ex, missingParam('input'));
  const dimensions = dimensionsFor(model, body.dimensions);
  if (dimensions === null) return sendError(ex, invalidParam('dimensions', `Invalid 'dimensions': expected 1 to ${MAX_DIMENSIONS}.`));
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    return sendError(ex, invalidParam('encoding_format', "Invalid 'encoding_format': expected 'float' or 'base64'."));
  }

  let tokens = 0;
  const data = list.map((input, index) => {
    tokens += input.tokens;
    const v = vector(input.seed, dimensions);
    // Node runs little-endian everywhere it ships, which is the byte order OpenAI uses.
    const embedding = format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  sendJson(ex, {
    object: 'list',
    data,
    model: returnedModel(model),
    ...(ex.controls.noUsage ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } }),
  });
}
