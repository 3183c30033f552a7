// POST /v1/moderations: deterministic verdicts for the moderation detector's tests. A text
// is flagged exactly when it contains a marker word (case-insensitive), e.g. HATE_SAMPLE.
import { missingParam } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { objectId } from '../ids.js';
import { returnedModel } from '../reply.js';
import { sendError, sendJson } from '../respond.js';
import { contentText } from '../text.js';
import type { Body } from './params.js';

const CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;
type Category = (typeof CATEGORIES)[number];

/** Marker word (upper case) -> the category it triggers. */
const MARKERS: readonly (readonly [string, Category])[] = [
  ['HATE_SAMPLE', 'hate'],
  ['VIOLENCE_SAMPLE', 'violence'],
  ['SELFHARM_SAMPLE', 'self-harm'],
  ['HARASSMENT_SAMPLE', 'harassment'],
  ['SEXUAL_SAMPLE', 'sexual'],
  ['ILLICIT_SAMPLE', 'illicit'],
];

const FLAGGED_SCORE = 0.97;
const CLEAN_SCORE = 0.00001;
const DEFAULT_MODEL = 'omni-moderation-latest';

/** `input`: a string, strings, or one multimodal array of parts (judged as one text). */
function texts(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((v) => typeof v === 'string')) return input as string[];
  return [contentText(input)];
}

function result(text: string): Body {
  const upper = text.toUpperCase();
  const hit = new Set<Category>();
  for (const [marker, category] of MARKERS) if (upper.includes(marker)) hit.add(category);
  const categories: Body = {};
  const scores: Body = {};
  const applied: Body = {};
  for (const c of CATEGORIES) {
    categories[c] = hit.has(c);
    scores[c] = hit.has(c) ? FLAGGED_SCORE : CLEAN_SCORE;
    applied[c] = ['text'];
  }
  return { flagged: hit.size > 0, categories, category_scores: scores, category_applied_input_types: applied };
}

export function moderations(ex: Exchange, body: Body): void {
  const list = texts(body.input);
  if (list === null) return sendError(ex, missingParam('input'));
  const model = typeof body.model === 'string' && body.model.length > 0 ? body.model : DEFAULT_MODEL;
  sendJson(ex, { id: objectId('modr-'), model: returnedModel(model), results: list.map(result) });
}
