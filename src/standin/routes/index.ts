// The route table: exact `METHOD /path` entries, plus `/models/<id>` by prefix. Anything
// else is a 404 in OpenAI's shape (decided by the caller).
import { chatCompletions } from './chat.js';
import { completions } from './completions.js';
import { embeddings } from './embeddings.js';
import { getModel, listModels } from './models.js';
import { moderations } from './moderations.js';
import type { Handler } from './params.js';
import { responses } from './responses.js';

export interface Route {
  readonly handle: Handler;
  /** Whether the body must be a JSON object (400 `invalid_json`-style otherwise). */
  readonly json: boolean;
}

const EXACT: ReadonlyMap<string, Route> = new Map([
  ['POST /chat/completions', { handle: chatCompletions, json: true }],
  ['POST /completions', { handle: completions, json: true }],
  ['POST /responses', { handle: responses, json: true }],
  ['POST /embeddings', { handle: embeddings, json: true }],
  ['POST /moderations', { handle: moderations, json: true }],
  ['GET /models', { handle: listModels, json: false }],
]);

const MODEL_BY_ID: Route = { handle: getModel, json: false };

/** `path` is the part under `/v1`, without the query. */
export function findRoute(method: string, path: string): Route | undefined {
  const exact = EXACT.get(`${method} ${path}`);
  if (exact) return exact;
  if (method === 'GET' && path.startsWith('/models/') && path.length > '/models/'.length) return MODEL_BY_ID;
  return undefined;
}
