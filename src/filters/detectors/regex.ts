import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { compileScanner } from './lib/matches.js';
import { PrefixMatcher } from './lib/prefix-closure.js';
import { forEachRe2Match } from './lib/utf8.js';

/**
 * Without a declared bound, a stream hold-back keeps this much text at most: a match longer
 * than this can be missed when it straddles chunks of a stream (a whole text is always
 * scanned whole). Rules that expect longer matches say so with `max_match_length`. Within
 * the bound a stream holds back only what could still grow into a match, when the pattern
 * can be analysed for that (prefix-closure.ts; RE2 has no partial-match API, so the pattern
 * is rewritten into one matching every prefix of a match); for a pattern it cannot read, the
 * whole bound.
 */
const DEFAULT_MAX_MATCH_LENGTH = 1024;

const options = z
  .strictObject({
    pattern: z.string().min(1).max(10_000),
    flags: z
      .string()
      .regex(/^[ims]*$/, 'flags may only contain i, m and s')
      .refine((f) => new Set(f).size === f.length, 'flags must not repeat')
      .optional(),
    max_match_length: z.int().min(1).max(1_000_000).optional(),
  })
  .superRefine((value, ctx) => {
    const problem = compileProblem(value.pattern, value.flags);
    if (problem !== null) ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
  });

export type RegexOptions = z.output<typeof options>;

/** Why RE2 refuses the pattern, or null. RE2's reason quotes the pattern, never a text. */
function compileProblem(pattern: string, flags = ''): string | null {
  try {
    compileScanner(pattern, flags);
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `not a valid RE2 regular expression (back-references and lookaround are not supported): ${reason}`;
  }
}

function create(opts: RegexOptions): SyncScanner {
  // Only whole matches are reported: no group offsets needed.
  const re = compileScanner(opts.pattern, opts.flags, { indices: false });
  const flags = opts.flags ?? '';
  const prefixes = PrefixMatcher.of([{ pattern: opts.pattern, ignoreCase: flags.includes('i'), dotAll: flags.includes('s') }]);
  const scanner: SyncScanner = {
    kind: 'sync',
    maxMatchLength: opts.max_match_length ?? DEFAULT_MAX_MATCH_LENGTH,
    scan(text: string): Span[] {
      const spans: Span[] = [];
      forEachRe2Match(re, text, (m) => spans.push({ start: m.start, end: m.end }));
      return spans;
    },
  };
  if (prefixes === null) return scanner;
  return { ...scanner, pendingFrom: (text: string, from: number) => prefixes.pendingStart(text, from) };
}

const hosts = { pattern: '\\b[a-z0-9-]+\\.corp\\.example\\.com\\b', flags: 'i' };
const tickets = { pattern: '\\bTICKET-\\d{4,6}\\b' };

export const regex: Detector<RegexOptions> = {
  id: 'regex',
  description: 'A user-supplied regular expression, run on RE2 (linear time; no back-references or lookaround)',
  options,
  create,
  examples: {
    positive: [
      { text: 'ssh to build-01.corp.example.com now', options: hosts, matches: ['build-01.corp.example.com'] },
      { text: 'WIKI.CORP.EXAMPLE.COM and jira.corp.example.com', options: hosts, matches: ['WIKI.CORP.EXAMPLE.COM', 'jira.corp.example.com'] },
      { text: 'see TICKET-1234 and TICKET-99999', options: tickets, matches: ['TICKET-1234', 'TICKET-99999'] },
      { text: 'first line\nsecret: yes', options: { pattern: '^secret:.*$', flags: 'm' }, matches: ['secret: yes'] },
      { text: 'ünïcode ok', options: { pattern: '\\p{L}+', flags: '' }, matches: ['ünïcode', 'ok'] },
    ],
    negative: [
      { text: 'www.example.com and corp.example.org', options: hosts },
      { text: 'ticket-1234 TICKET-12 TICKET-1234567', options: tickets },
      { text: 'first line\nsecret: yes', options: { pattern: '^secret:.*$' } },
      { text: 'TICKET-1234 without the i flag', options: { pattern: 'ticket-\\d+' } },
      { text: `${'a'.repeat(5000)}b`, options: { pattern: '(a+)+$' } },
    ],
  },
};
