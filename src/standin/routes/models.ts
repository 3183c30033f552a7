// GET /v1/models and GET /v1/models/:id over a fixed catalogue. Generation routes accept
// any model name; only the catalogue lookup says 404, as a gateway's would.
import { modelNotFound } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { sendError, sendJson } from '../respond.js';
import type { Body } from './params.js';

const CREATED = 1_721_172_741; // a fixed time, so listings are byte-for-byte stable

const CATALOGUE: readonly Body[] = [
  'gpt-4o-mini',
  'gpt-4o-mini-2024-07-18',
  'gpt-4o',
  'gpt-4.1-mini',
  'gpt-5.5',
  'gpt-3.5-turbo-instruct',
  'text-embedding-3-small',
  'text-embedding-3-large',
  'omni-moderation-latest',
].map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'system' }));

const BY_ID = new Map(CATALOGUE.map((m) => [m.id as string, m]));

export function listModels(ex: Exchange): void {
  sendJson(ex, { object: 'list', data: CATALOGUE });
}

/** `/models/<id>`, where the id may itself contain `/` (`org/model`) or escapes. */
export function getModel(ex: Exchange): void {
  const raw = ex.path.slice('/models/'.length);
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // not an escape sequence: keep the raw id
  }
  const model = BY_ID.get(id);
  if (model) sendJson(ex, model);
  else sendError(ex, modelNotFound(id));
}
