import RE2 from 're2';
import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { compileScanner } from './lib/matches.js';
import { PrefixMatcher } from './lib/prefix-closure.js';
import { INVISIBLE_CLASS, originalSpan, pendingPastInvisible, stripInvisible } from './lib/invisible.js';
import { SpanCollector } from './lib/spans.js';
import { forEachRe2Match, utf8Of } from './lib/utf8.js';
import { negative, positive } from './secret/examples.js';
import { SECRET_RULES, type SecretRule } from './secret/rules.js';

/**
 * Default stream bound. It covers an RSA-4096 PEM block (about 3,300 characters) and the
 * longest usual JWTs. A stream filter holds back only the tail that could still become a
 * secret (pendingFrom), and never more than this: a key block in progress is held from its
 * BEGIN line until its END line arrives, so a lower bound would let the body of a longer
 * key out before it can be recognised (a block rule still stops at the header; a redact
 * rule would redact the header and send the body). A rule may lower it
 * (`max_match_length`) where that trade is wanted. A longer match is reported as
 * consecutive pieces of at most this length, which together cover all of it.
 */
const DEFAULT_MAX_MATCH_LENGTH = 4096;

const RULE_IDS = SECRET_RULES.map((rule) => rule.id) as [string, ...string[]];

const options = z.strictObject({
  /** Sub-types to leave alone, e.g. `generic-secret-assignment` where it is too noisy. */
  exclude: z.array(z.enum(RULE_IDS)).optional(),
  max_match_length: z.int().min(256).max(65_536).optional(),
});

export type SecretOptions = z.output<typeof options>;

interface CompiledRule {
  readonly rule: SecretRule;
  readonly index: number;
  readonly re: RE2;
}

// Compiled once: RE2 programs are immutable and a scan resets `lastIndex` before use.
const COMPILED: readonly CompiledRule[] = SECRET_RULES.map((rule, index) => ({ rule, index, re: compileScanner(rule.pattern) }));

/**
 * The keyword prefilter: one RE2 set of every rule's keywords answers in a single pass
 * which keywords occur (16 ms on 4 MB, where 60 `includes` calls took 56 ms). A rule's
 * pattern runs only when one of its keywords did.
 */
const escapeLiteral = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const KEYWORD_OWNER: readonly number[] = SECRET_RULES.flatMap((rule, index) => rule.keywords.map(() => index));
/** The last pattern of the set: an invisible character, found in the same pass. */
const INVISIBLE_PATTERN = KEYWORD_OWNER.length;
const KEYWORDS = new RE2.Set(
  [...SECRET_RULES.flatMap((rule) => rule.keywords.map((k) => `${rule.ignoreCase === true ? '(?i)' : ''}${escapeLiteral(k)}`)), INVISIBLE_CLASS],
  'u',
);

/** The rules whose keywords occur, and whether the text holds an invisible character. */
function prefilter(text: string): { readonly worth: Set<number>; readonly invisible: boolean } {
  // The set reads UTF-8 and converts a string on every call: share the scanners' conversion.
  const worth = new Set<number>();
  let invisible = false;
  for (const pattern of KEYWORDS.match(utf8Of(text).bytes)) {
    if (pattern === INVISIBLE_PATTERN) invisible = true;
    else worth.add(KEYWORD_OWNER[pattern]!);
  }
  return { worth, invisible };
}

function split(span: Span, max: number): Span[] {
  if (span.end - span.start <= max) return [span];
  const pieces: Span[] = [];
  for (let start = span.start; start < span.end; start += max) {
    pieces.push({ start, end: Math.min(span.end, start + max) });
  }
  return pieces;
}

/**
 * The undecided tail for a set of rules: where a match of one of their patterns could still
 * be in progress. Every rule's match contains one of its keywords, so the prefilter never
 * hides a match that more text could create. The rules are fixed: a pattern the analyser
 * could not read is a bug, and fails loudly at load time.
 */
function prefixMatcher(rules: readonly CompiledRule[]): PrefixMatcher {
  const matcher = PrefixMatcher.of(rules.map(({ rule }) => ({ pattern: rule.pattern })));
  if (matcher === null) throw new Error('secret rules: a pattern cannot be analysed for streaming');
  return matcher;
}

const ALL_RULES_PREFIXES = prefixMatcher(COMPILED);

function create(opts: SecretOptions): SyncScanner {
  const excluded = new Set(opts.exclude ?? []);
  const rules = COMPILED.filter((c) => !excluded.has(c.rule.id));
  const max = opts.max_match_length ?? DEFAULT_MAX_MATCH_LENGTH;
  const prefixes = excluded.size === 0 ? ALL_RULES_PREFIXES : prefixMatcher(rules);
  return {
    kind: 'sync',
    maxMatchLength: max,
    // A match in progress is a prefix of one (prefix-closure.ts): ordinary prose waits only
    // for its last word (`pass` could become `password = …`), a key in progress from its
    // first character, a key block from its BEGIN line, an assignment from its name.
    // Invisible characters inside a key do not hide it (lib/invisible.ts): both are read
    // on the text without them.
    pendingFrom: pendingPastInvisible((text, from) => prefixes.pendingStart(text, from)),
    scan(text: string): Span[] {
      const first = prefilter(text);
      const bare = stripInvisible(text, first.invisible);
      const spans = bare === null ? secretsIn(text, rules, first.worth) : secretsIn(bare.text, rules, prefilter(bare.text).worth).map((span) => originalSpan(bare, span));
      return spans.flatMap((span) => split(span, max));
    },
  };
}

/** Every secret in `text` under `rules`, whole (not yet cut to the stream bound). */
function secretsIn(text: string, rules: readonly CompiledRule[], worth: ReadonlySet<number>): Span[] {
  if (worth.size === 0) return [];
  const found = new SpanCollector();
  for (const { rule, re, index } of rules) {
    if (!worth.has(index)) continue;
    forEachRe2Match(re, text, (m) => {
      const span = m.group(1) ?? { start: m.start, end: m.end };
      if (rule.check !== undefined && !rule.check(text.slice(span.start, span.end))) return;
      found.add(span.start, span.end);
    });
  }
  return found.select();
}

export const secret: Detector<SecretOptions> = {
  id: 'secret',
  description:
    'Credentials: cloud and SaaS API keys and tokens, private keys, JWTs, connection-string passwords and high-entropy secret assignments',
  options,
  create,
  examples: { positive, negative },
};
