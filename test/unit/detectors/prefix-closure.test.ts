// The prefix closure decides how much of a stream waits for a regex rule or the secret
// detector: it must accept every prefix of every match (or a match in progress slips out).
// Random patterns from a small grammar against random texts check exactly that; the stream
// properties (engine/stream.property.test.ts) check it end to end.
import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { PrefixMatcher, prefixClosureSource } from '../../../src/filters/detectors/lib/prefix-closure.js';
import { regex } from '../../../src/filters/detectors/regex.js';
import { SECRET_RULES } from '../../../src/filters/detectors/secret/rules.js';
import { StreamFilter } from '../../../src/filters/stream.js';
import { hash, oneShot, rule, split } from '../engine/support.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);

/** Every match of `pattern` in `text` (RE2, as the detectors walk them), non-empty ones. */
function matches(pattern: string, flags: string, text: string): Array<[number, number]> {
  const re = new RE2(pattern, `gu${flags}`);
  const out: Array<[number, number]> = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      if (re.lastIndex > text.length) break;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** Checks that every prefix of every match of the pattern in `text` is seen as pending. */
function everyPrefixPending(pattern: string, flags: string, text: string): void {
  const matcher = PrefixMatcher.of([{ pattern, ignoreCase: flags.includes('i'), dotAll: flags.includes('s') }]);
  if (matcher === null) return;
  for (const [start, end] of matches(pattern, flags, text)) {
    for (let k = start; k <= end; k++) {
      const pending = matcher.pendingStart(text.slice(0, k), 0);
      expect({ pattern, flags, text: text.slice(0, k), pending: pending <= start }).toEqual({ pattern, flags, text: text.slice(0, k), pending: true });
    }
  }
}

// A small grammar of RE2 patterns over a small alphabet, with the constructs whose parsing
// matters: classes (a leading `]`, negation), escapes, assertions, groups of every kind,
// flags in groups and as directives, counted and lazy repetition.
const atom = fc.constantFrom('a', 'b', 'A', 'K', 's', '-', '\\.', '.', ' ', '[ab]', '[^a]', '[]a]', '[a-c-]', '\\d', '\\w', '\\s', '\\S', '\\x41', '\\u0061', '\\p{Lu}', '[[:digit:]]', '\\b', '\\B', '^', '$', '\\{');
const quantifier = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?', '{2,4}?', '{,2}');
const { pattern } = fc.letrec((tie) => ({
  pattern: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('seq'), tie('alt')),
  seq: fc.array(fc.oneof({ depthSize: 'small' }, fc.tuple(atom, quantifier).map(([a, q]) => (/^[\\^$]b?$/.test(a) || a === '\\b' || a === '\\B' ? a : a + q)), tie('group')), { maxLength: 5 }).map((parts) => parts.join('')),
  alt: fc.tuple(tie('seq'), tie('seq')).map(([a, b]) => `${a}|${b}`),
  group: fc
    .tuple(fc.constantFrom('(', '(?:', '(?i:', '(?-i:', '(?s:', '(?P<n>', '(?<m>'), tie('pattern'), quantifier, fc.boolean())
    .map(([open, inner, q, directive]) => (directive ? `(?i)${inner}` : `${open}${inner})${q}`)),
})) as { pattern: fc.Arbitrary<string> };
const flags = fc.constantFrom('', 'i', 's', 'm', 'is');
const text = fc.string({ unit: fc.constantFrom(...'aabbAAKk\u212as\u017f-. 1{}\n'), maxLength: 30 });

/** Patterns RE2 accepts (the grammar can produce a repetition of nothing, a duplicate name). */
function compiles(source: string, f: string): boolean {
  try {
    new RE2(source, `u${f}`);
    return true;
  } catch {
    return false;
  }
}

describe('prefix closure', () => {
  it('reads every secret rule, and sees each of their matches as pending from its start', () => {
    for (const rule of SECRET_RULES) expect(prefixClosureSource({ pattern: rule.pattern }), rule.id).not.toBeNull();
    expect(PrefixMatcher.of(SECRET_RULES.map((r) => ({ pattern: r.pattern })))).not.toBeNull();
  });

  it('accepts every prefix of every match of random patterns', () => {
    let analysed = 0;
    fc.assert(
      fc.property(pattern, flags, text, (source, f, t) => {
        fc.pre(compiles(source, f));
        if (PrefixMatcher.of([{ pattern: source }]) !== null) analysed++;
        everyPrefixPending(source, f, t);
      }),
      { numRuns: RUNS * 3 },
    );
    // The grammar is meant to exercise the parser, not its refusals.
    expect(analysed).toBeGreaterThan(RUNS);
  });

  it('lets a stream of a regex rule come out exactly as a one-shot scan, whatever the chunking', () => {
    // Where more text cancels a match (`$`, `\b`) or a better one displaces it (leftmost
    // first), as well as where it grows.
    const streamText = fc.string({ unit: fc.constantFrom(...'aabbAAKs-. 1\n'), maxLength: 40 });
    const cases = fc.tuple(pattern, flags, streamText, fc.array(fc.nat({ max: 100 }), { maxLength: 20 }), fc.boolean());
    fc.assert(
      fc.property(cases, ([source, f, t, cuts, block]) => {
        fc.pre(compiles(source, f) && regex.options.safeParse({ pattern: source, flags: f }).success);
        const scanner = regex.create(regex.options.parse({ pattern: source, flags: f, max_match_length: 64 }));
        const r = rule(scanner, { action: block ? 'block' : 'redact', detector: 'regex' });
        // Texts are shorter than the bound, so only pendingFrom decides what waits.
        const filter = new StreamFilter([r], { hash });
        let out = '';
        let blocked = false;
        for (const piece of split(t, cuts)) {
          const step = filter.push(piece);
          out += step.release;
          if ((blocked = step.blocked)) break;
        }
        if (!blocked) {
          const last = filter.end();
          out += last.release;
          blocked = last.blocked;
        }
        expect({ source, f, out, blocked }).toEqual({ source, f, ...oneShot([r], t) });
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps flags where they apply, across alternatives and groups', () => {
    // `(?i)` holds to the end of its group, in the later alternatives too; case folding
    // includes the Kelvin sign and the long s, as RE2 folds them.
    everyPrefixPending('a(?i)b|c', '', 'xC ab aB');
    everyPrefixPending('(?i:k)s', '', '\u212as Ks');
    everyPrefixPending('x(?s:.)y', '', 'x\ny');
    everyPrefixPending('(?i)[a-c]+', '', 'ABC');
    // Outside the flag's group the pattern is as strict as it was.
    expect(PrefixMatcher.of([{ pattern: 'x(?i:y)z' }])!.pendingStart('..xYZ', 0)).toBe(5);
    expect(PrefixMatcher.of([{ pattern: 'x(?i:y)z' }])!.pendingStart('..xYz', 0)).toBe(2);
  });

  it('parses classes, escapes and braces as RE2 does', () => {
    everyPrefixPending('[]a]+b', '', ']a]ab');
    everyPrefixPending('[^]a]b', '', 'xb');
    everyPrefixPending('\\u0041b', '', 'Ab');
    everyPrefixPending('\\u41b', '', '\u041b');
    everyPrefixPending('a{,2}', '', 'a{,2}');
    everyPrefixPending('a{2}', '', 'aaa');
    everyPrefixPending('[[:alpha:]]+\\d', '', 'ab1');
    everyPrefixPending('\\/x', '', '/x');
  });

  it('gives up on what it does not know (the caller then holds its bound)', () => {
    for (const source of ['a\\Qb*\\E', '(?=a)', '(?!a)', '(?<=a)b', '(a)\\1', '\\C', 'a**', '*a', '(a', 'a)', '[a', '\\0', '\\Z', '\\e']) {
      expect(prefixClosureSource({ pattern: source }), source).toBeNull();
    }
  });

  it('holds only the tail that could still become a match', () => {
    const hosts = PrefixMatcher.of([{ pattern: '\\b[a-z0-9-]+\\.corp\\.example\\.com\\b', ignoreCase: true }])!;
    const at = (t: string): string => t.slice(hosts.pendingStart(t, 0));
    expect(at('ssh to build-01.corp.exa')).toBe('build-01.corp.exa');
    expect(at('see the wiki')).toBe('wiki');
    expect(at('see the wiki, ')).toBe('');
    expect(at('see the wiki.corp.example.com')).toBe('wiki.corp.example.com');
    // `from` bounds the search.
    expect(hosts.pendingStart('abc def', 5)).toBe(5);
  });
});
