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

/**
 * `path` is the part after `/v1`, without the query. It is read the way a gateway may read
 * it, so that no spelling of a filtered route reaches the gateway unfiltered: the sidecar
 * forwards `/v1//chat/completions` as `/v1/chat/completions`, and servers commonly decode
 * escapes, resolve `.` and `..`, drop `;parameters` and ignore case and trailing slashes.
 */
export function classifyRoute(method: string, path: string): FilteredRoute | null {
  if (method !== 'POST') return null;
  const exact = BY_PATH[path];
  if (exact !== undefined) return exact;
  return BY_PATH[canonicalPath(path)] ?? null;
}

/** The path as the most lenient server would route it (see classifyRoute). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of lenientSegments(path)) {
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * Whether the path has a `..` segment, however written (`%2e%2e`, `..;x`): a server that
 * resolves it could route the call anywhere, beside the routes the sidecar filters, so
 * such a path is refused rather than forwarded.
 */
export function hasDotDot(path: string): boolean {
  return path.includes('.') || path.includes('%') ? lenientSegments(path).includes('..') : false;
}

/** The path's segments, decoded, without `;parameters`, lower-case, empty and `.` ones dropped. */
function lenientSegments(path: string): string[] {
  // `;parameters` go before decoding, as servers that honour them strip them first; a
  // second round of decoding catches a gateway behind another proxy (%252F). Each escape
  // is decoded on its own, so one malformed escape does not hide the others.
  let decoded = path.replace(/;[^/]*/g, '');
  for (let round = 0; round < 2 && decoded.includes('%'); round++) {
    decoded = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    // A decoded `;` starts parameters for a server that decodes first.
    decoded = decoded.replace(/;[^/]*/g, '');
  }
  // What decodes to a query, a fragment or NUL ends the path for a server reading it so.
  const end = decoded.search(/[?#\0]/);
  if (end >= 0) decoded = decoded.slice(0, end);
  const segments: string[] = [];
  for (const raw of decoded.replace(/\\/g, '/').split('/')) {
    let segment = raw.trim();
    // Trailing dots and spaces are dropped by some servers (`completions.`).
    if (segment !== '.' && segment !== '..') segment = segment.replace(/[.\s]+$/, '');
    segment = segment.toLowerCase();
    if (segment !== '' && segment !== '.') segments.push(segment);
  }
  return segments;
}

/** Routes whose responses carry generated text that output filters judge. */
export function hasOutput(route: FilteredRoute): boolean {
  return route !== 'embeddings';
}
