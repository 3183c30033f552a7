// Which OpenAI API a call is: the filtered, fully logged ones, or anything else (passed
// through and logged as metadata).

export const FILTERED_ROUTES = ['chat.completions', 'completions', 'responses', 'embeddings'] as const;
export type FilteredRoute = (typeof FILTERED_ROUTES)[number];

const BY_PATH: Readonly<Record<string, FilteredRoute>> = {
  '/chat/completions': 'chat.completions',
  '/completions': 'completions',
  '/responses': 'responses',
  '/embeddings': 'embeddings',
};

/** `path` is the part after `/v1`, without the query. */
export function classifyRoute(method: string, path: string): FilteredRoute | null {
  if (method !== 'POST') return null;
  return BY_PATH[path.endsWith('/') ? path.slice(0, -1) : path] ?? null;
}

/** Routes whose responses carry generated text that output filters judge. */
export function hasOutput(route: FilteredRoute): boolean {
  return route !== 'embeddings';
}
