// Small scanners and rule builders for the engine and stream tests: they depend only on the
// Scanner contract, not on the real detectors.
import { createHash } from 'node:crypto';
import RE2 from 're2';
import { applyRedactions, redactionLabel } from '../../../src/filters/redact.js';
import type { RedactionSpan } from '../../../src/filters/redact.js';
import type { AsyncScanner, AsyncVerdict, CompiledRule, Span, SyncScanner } from '../../../src/filters/types.js';

export const hash = (matched: string): string => `h:${createHash('sha256').update(matched).digest('hex').slice(0, 16)}`;

/** Case-sensitive substrings, leftmost then longest, non-overlapping. */
export function literalScanner(terms: readonly string[]): SyncScanner {
  const longest = Math.max(...terms.map((t) => t.length));
  return {
    kind: 'sync',
    maxMatchLength: longest,
    scan(text) {
      const spans: Span[] = [];
      let i = 0;
      while (i < text.length) {
        let best = 0;
        for (const term of terms) if (term.length > best && text.startsWith(term, i)) best = term.length;
        if (best > 0) {
          spans.push({ start: i, end: i + best });
          i += best;
        } else i += 1;
      }
      return spans;
    },
  };
}

/** An RE2 pattern (linear time), offsets in UTF-16 units as RE2 reports them for strings. */
export function re2Scanner(pattern: string, flags: string, maxMatchLength: number): SyncScanner {
  const re = new RE2(pattern, `g${flags}`);
  return {
    kind: 'sync',
    maxMatchLength,
    scan(text) {
      const spans: Span[] = [];
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex += 1;
          continue;
        }
        spans.push({ start: m.index, end: m.index + m[0].length });
      }
      return spans;
    },
  };
}

/** Whole words, case-insensitive, as the keywords detector is specified to match. */
export function wordScanner(terms: readonly string[]): SyncScanner {
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return re2Scanner(`\\b(?:${escaped.join('|')})\\b`, 'i', Math.max(...terms.map((t) => t.length)));
}

/** Secret-like tokens with a bounded length, so the hold-back covers them exactly. */
export const secretScanner = (): SyncScanner => re2Scanner('sk-[A-Za-z0-9]{10,20}', '', 23);

export function asyncScanner(
  check: (text: string, signal: AbortSignal) => Promise<AsyncVerdict>,
  onError: 'allow' | 'block' = 'allow',
): AsyncScanner {
  return { kind: 'async', check, onError };
}

export function throwingScanner(message = 'detector bug'): SyncScanner {
  return {
    kind: 'sync',
    maxMatchLength: 10,
    scan() {
      throw new Error(message);
    },
  };
}

let counter = 0;

export function rule(scanner: CompiledRule['scanner'], overrides: Partial<Omit<CompiledRule, 'scanner'>> = {}): CompiledRule {
  counter += 1;
  return {
    id: `rule-${counter}`,
    policy: 'default',
    mode: 'enforce',
    detector: 'test',
    phases: ['input', 'output'],
    action: 'flag',
    ...overrides,
    scanner,
  };
}

/**
 * The one-shot reference for output filtering: scan the whole text; stop at the first
 * enforced block match; redact enforced redact matches before that point.
 */
export function oneShot(rules: readonly CompiledRule[], text: string): { readonly out: string; readonly blocked: boolean } {
  let stop = text.length;
  let blocked = false;
  for (const r of rules) {
    if (r.scanner.kind !== 'sync' || r.mode !== 'enforce' || r.action !== 'block' || !r.phases.includes('output')) continue;
    const first = r.scanner.scan(text)[0];
    if (first && first.start < stop) stop = first.start;
    if (first) blocked = true;
  }
  const spans: RedactionSpan[] = [];
  for (const r of rules) {
    if (r.scanner.kind !== 'sync' || r.mode !== 'enforce' || r.action !== 'redact' || !r.phases.includes('output')) continue;
    for (const s of r.scanner.scan(text)) {
      if (s.start < stop) spans.push({ start: s.start, end: Math.min(s.end, stop), label: redactionLabel(r.detector) });
    }
  }
  return { out: applyRedactions(text.slice(0, stop), spans), blocked };
}

/** Splits `text` at the given cut points (any order, repeats give empty deltas). */
export function split(text: string, cuts: readonly number[]): string[] {
  const points = cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b);
  const pieces: string[] = [];
  let at = 0;
  for (const p of points) {
    pieces.push(text.slice(at, p));
    at = p;
  }
  pieces.push(text.slice(at));
  return pieces;
}

/** No lone surrogate. */
export function wellFormed(text: string): boolean {
  return text.isWellFormed();
}
