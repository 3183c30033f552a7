// Globs for `match:` (`*` any run of characters, `?` exactly one, everything else literal).
// Matched without regular expressions: a caller controls the `x-caller` header, and a
// backtracking regex built from `a*a*a*b` could be made slow by a long header. This is the
// classic two-pointer wildcard match: O(text x pattern) at worst, no recursion.

export type GlobMatcher = (value: string) => boolean;

/** Compiles a glob once; `ignoreCase` folds both sides with toLowerCase(). */
export function compileGlob(pattern: string, ignoreCase: boolean): GlobMatcher {
  const glob = ignoreCase ? pattern.toLowerCase() : pattern;
  const fold = ignoreCase ? (value: string) => value.toLowerCase() : (value: string) => value;
  if (glob === '*') return () => true;
  if (!/[*?]/.test(glob)) return (value) => fold(value) === glob;
  // The common shapes (`gpt-5*`, `*-mini`) get a plain string test.
  const inner = glob.slice(1, -1);
  if (glob.endsWith('*') && !/[*?]/.test(glob.slice(0, -1))) {
    const prefix = glob.slice(0, -1);
    return (value) => fold(value).startsWith(prefix);
  }
  if (glob.startsWith('*') && !/[*?]/.test(glob.slice(1))) {
    const suffix = glob.slice(1);
    return (value) => fold(value).endsWith(suffix);
  }
  if (glob.startsWith('*') && glob.endsWith('*') && glob.length > 1 && !/[*?]/.test(inner)) {
    return (value) => fold(value).includes(inner);
  }
  return (value) => wildcardMatch(glob, fold(value));
}

/** Any of several globs (an empty list matches everything: no restriction). */
export function compileGlobList(patterns: readonly string[], ignoreCase: boolean): GlobMatcher {
  if (patterns.length === 0) return () => true;
  const matchers = patterns.map((p) => compileGlob(p, ignoreCase));
  return (value) => matchers.some((m) => m(value));
}

function wildcardMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1; // position in glob just after the last `*` seen
  let resume = 0; // position in text that `*` is currently assumed to extend to
  while (t < text.length) {
    const c = glob[g];
    if (c === '*') {
      star = ++g;
      resume = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      g += 1;
      t += 1;
    } else if (star !== -1) {
      // Let the last `*` swallow one more character and retry from there.
      g = star;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g += 1;
  return g === glob.length;
}
