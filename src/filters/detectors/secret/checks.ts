// Cheap checks that run on a candidate secret after its pattern matched, to drop the
// look-alikes a pattern alone lets through.

/** Shannon entropy in bits per character. Random base64 is near 6, English words near 3. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const length = [...value].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Template variables, masks and references that stand in for a value in docs and configs. */
const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|<[^>]*>|%[A-Za-z_]\w*%|%s|\*+|x+|X+|\.{3,}|\[[^\]]*\]|(?:your|my)[_-]?\w*|changeme|password|secret|redacted)$/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || value.includes('${') || value.includes('{{');
}

/**
 * Values of an assignment that are code or names rather than secrets: a dotted reference
 * (`process.env.API_TOKEN`), a constant's name (`YOUR_API_TOKEN`), or words joined by
 * separators (`use-the-vault-token`).
 */
const REFERENCE = /^(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+|[A-Z0-9_]+|[a-z]+(?:[_-][a-z]+)+)$/;

/** For `password = …` style assignments: long, random-looking, not a stand-in. */
export function isHighEntropyValue(value: string): boolean {
  return value.length >= 16 && !isPlaceholder(value) && !REFERENCE.test(value) && shannonEntropy(value) >= 3.5;
}

/** For a token whose format is fixed but could be filled with a dummy (all zeros, all x). */
export function isRandomLooking(value: string): boolean {
  return !isPlaceholder(value) && shannonEntropy(value) >= 3;
}

/** A JWT's first part must decode to a JSON object naming its algorithm. */
export function hasJwtHeader(token: string): boolean {
  const header = token.slice(0, token.indexOf('.'));
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && 'alg' in parsed;
  } catch {
    return false;
  }
}
