import { z } from 'zod';
import { foldScan, type FoldRing } from '../fold-scan.js';
import { isHighSurrogate, isLowSurrogate, isNativeLookalike, normalize, spanFromOffsets } from '../normalize.js';
import type { Detector, Span, SyncScanner } from '../types.js';
import { AhoCorasick } from './lib/aho-corasick.js';
import { LeftmostLongest } from './lib/leftmost-longest.js';
import { codePointBefore, isUnspacedScript, isWordCodePoint } from './lib/word-chars.js';

const MAX_TERMS = 100_000;

const MAX_TERM_LENGTH = 1_000;

/** Per-term flags: which edges of the term must sit on a word boundary. */
const BOUNDARY_BEFORE = 1;
const BOUNDARY_AFTER = 2;
/**
 * Where a term comes from, which says what text may match it. A Latin keyword: any text but
 * a word of another script that only its fold makes Latin (isNativeLookalike). A keyword of
 * another script: any text, except for a spelling that only its capitals make all Latin
 * (`нет` folds to `нeт`, its capitals `НЕТ` to `het`): that one needs a letter of another
 * script in the text, so the Dutch word `het` is not that keyword. A keyword whose lower
 * case already folds to Latin (Cyrillic `а` to `a`) matches Latin text as it always did.
 */
const FROM_LATIN = 4;
const FROM_OTHER_SCRIPT = 8;
const FROM_OTHER_SCRIPT_AS_LATIN = 16;

/** A letter of a script other than Latin (Cyrillic, Greek, ...). */
const NON_LATIN_LETTER = /(?![\p{Script=Latin}])\p{L}/u;

/**
 * The spellings of a keyword to fold. A Cyrillic or Greek keyword is folded in its usual
 * cases too (lower, upper, first letter upper): some capitals fold to Latin letters and
 * their lower case does not (normalize.ts, CAPITAL_CONFUSABLES).
 */
/** Whether the text matched, `text[from, to)`, may stand for a term of these origins. */
function scriptsAgree(flags: number, text: string, from: number, to: number): boolean {
  if ((flags & FROM_OTHER_SCRIPT) !== 0) return true;
  if ((flags & FROM_LATIN) !== 0 && !isNativeLookalike(text, from, to)) return true;
  return (flags & FROM_OTHER_SCRIPT_AS_LATIN) !== 0 && hasNonLatinLetter(text, from, to);
}

function hasNonLatinLetter(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (text.charCodeAt(i) >= 0x80 && NON_LATIN_LETTER.test(String.fromCodePoint(text.codePointAt(i)!))) return true;
  }
  return false;
}

function spellings(term: string): string[] {
  if (!NON_LATIN_LETTER.test(term)) return [term];
  const lower = term.toLowerCase();
  return [term, lower, term.toUpperCase(), lower.charAt(0).toUpperCase() + lower.slice(1)];
}

/** A keyword folded the way the text will be, without the spaces around it. */
function foldTerm(term: string): string {
  return normalize(term).text.trim();
}

const options = z
  .strictObject({
    keywords: z.array(z.string().min(1).max(MAX_TERM_LENGTH)).min(1).max(MAX_TERMS),
    match: z.enum(['word', 'substring']).default('word'),
  })
  .superRefine((value, ctx) => {
    value.keywords.forEach((term, index) => {
      if (foldTerm(term) === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['keywords', index],
          message: 'keyword is empty once spaces and invisible characters are removed',
        });
      }
    });
  });

export type KeywordsOptions = z.output<typeof options>;

/**
 * A boundary is required on a side whose edge character is a letter or digit of a script
 * written with spaces: `c++` may be followed by anything, and a Chinese term matches inside
 * a sentence (there are no spaces to find).
 */
function boundariesOf(term: string): number {
  const first = term.codePointAt(0)!;
  const last = codePointBefore(term, term.length);
  let flags = 0;
  if (isWordCodePoint(first) && !isUnspacedScript(first)) flags |= BOUNDARY_BEFORE;
  if (isWordCodePoint(last) && !isUnspacedScript(last)) flags |= BOUNDARY_AFTER;
  return flags;
}

function create(opts: KeywordsOptions): SyncScanner {
  const origins = new Map<string, number>();
  const terms = opts.keywords.flatMap((keyword) => {
    const other = NON_LATIN_LETTER.test(keyword);
    // Whether the lower case keeps a letter of its script once folded: then an all-Latin
    // fold of another spelling comes from capitals that look Latin.
    const keepsScript = other && NON_LATIN_LETTER.test(foldTerm(keyword.toLowerCase()));
    return spellings(keyword)
      .map(foldTerm)
      .filter((t) => t !== '')
      .map((t) => {
        const origin = !other ? FROM_LATIN : keepsScript && !NON_LATIN_LETTER.test(t) ? FROM_OTHER_SCRIPT_AS_LATIN : FROM_OTHER_SCRIPT;
        origins.set(t, (origins.get(t) ?? 0) | origin);
        return t;
      });
  });
  const wholeWords = opts.match === 'word';
  const payloadOf = (term: string) => (wholeWords ? boundariesOf(term) : 0) | (origins.get(term) ?? 0);
  const automaton = new AhoCorasick(terms, { payloadOf });
  const longest = terms.reduce((max, t) => Math.max(max, t.length), 0);
  return {
    kind: 'sync',
    // A folded character can come from several original ones (a surrogate pair, trailing
    // diacritics, invisible characters, a whitespace run), so no exact bound exists. This
    // covers a term written in astral look-alikes with a mark on every letter plus some
    // padding: the context a stream rescans. A term padded beyond it is still held whole,
    // since pendingFrom reads the folded text and is trusted as far back as the stream's
    // cap (pendingReach).
    maxMatchLength: 4 * longest + 64,
    pendingReach: Infinity,
    // Undecided: the longest folded suffix that is the beginning of some term (a term that
    // ends at the end is one too: the next character decides its word boundary), mapped
    // back to the original. Boundaries before a term are not checked here: holding a word
    // that cannot start a match only costs a little latency. Invisible characters after
    // the last folded one can go: a match never begins on one.
    pendingFrom(text: string, from: number): number {
      if (from >= text.length) return text.length;
      const folded = normalize(from === 0 ? text : text.slice(from));
      const depth = automaton.suffixDepth(folded.text);
      return from + folded.map[folded.text.length - depth]!;
    },
    scan(text: string): Span[] {
      if (text.length === 0) return [];
      // The automaton runs in the loop that folds the text; the folded text is not kept,
      // at most its last units (fold-scan.ts), which hold every match and what surrounds it.
      const found = new LeftmostLongest(longest);
      foldScan(text, automaton.tables, longest, (ring, end, state, known) => {
        automaton.forEachMatchAt(state, end, (start, _, flags) => {
          if ((flags & (BOUNDARY_BEFORE | BOUNDARY_AFTER)) !== 0 && boundaryViolated(ring, known, start, end, flags)) return;
          // Offsets of the first and last code points and of the one after the match: the
          // span in the original is worked out for the kept matches only (it walks any
          // marks that follow, which a text can repeat at will).
          const first = ring.offset(start);
          const next = end < known ? ring.offset(end) : text.length;
          // A Cyrillic or Greek word that only folds to a Latin term is not that term, and
          // Latin text is not a Cyrillic or Greek keyword that only folds to Latin.
          if (!scriptsAgree(flags, text, first, next)) return;
          found.add(start, end, first, ring.offset(end - 1), next);
        });
      });
      return found.finish().map((kept) => spanFromOffsets(kept.start, kept.end, kept.tag, text));
    },
  };
}

/**
 * Whether a word character touches a term that needs a boundary there. The folded units
 * are read from the ring: `known` units have been read, and the LOOKBEHIND before `start`
 * and the LOOKAHEAD from `end` are still in it.
 */
function boundaryViolated(ring: FoldRing, known: number, start: number, end: number, flags: number): boolean {
  if (flags & BOUNDARY_BEFORE) {
    const before = codePointBeforeIn(ring, start);
    if (before >= 0 && isWordCodePoint(before)) return true;
  }
  return (flags & BOUNDARY_AFTER) !== 0 && end < known && isWordCodePoint(codePointAtIn(ring, known, end));
}

/** As codePointBefore, over the folded units in the ring. */
function codePointBeforeIn(ring: FoldRing, index: number): number {
  if (index <= 0) return -1;
  const low = ring.unit(index - 1);
  if (!isLowSurrogate(low) || index < 2) return low;
  const high = ring.unit(index - 2);
  return isHighSurrogate(high) ? (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000 : low;
}

/** As String.prototype.codePointAt, over the folded units in the ring; `index < known`. */
function codePointAtIn(ring: FoldRing, known: number, index: number): number {
  const high = ring.unit(index);
  if (!isHighSurrogate(high) || index + 1 >= known) return high;
  const low = ring.unit(index + 1);
  return isLowSurrogate(low) ? (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000 : high;
}

const lists = { keywords: ['project nightingale', 'acme merger', 'bad'] };

export const keywords: Detector<KeywordsOptions> = {
  id: 'keywords',
  description:
    'Listed terms, case-insensitive, whole words by default, after folding width, case, diacritics, look-alike letters and invisible characters',
  options,
  create,
  examples: {
    positive: [
      { text: 'Status of Project Nightingale?', options: lists, matches: ['Project Nightingale'] },
      { text: 'PROJECT\nNIGHTINGALE and the acme merger', options: lists, matches: ['PROJECT\nNIGHTINGALE', 'acme merger'] },
      { text: 'ｐｒｏｊｅｃｔ ｎｉｇｈｔｉｎｇａｌｅ', options: lists, matches: ['ｐｒｏｊｅｃｔ ｎｉｇｈｔｉｎｇａｌｅ'] },
      { text: 'the аcme mеrger (Cyrillic a and e)', options: lists, matches: ['аcme mеrger'] },
      { text: 'PROJECT NIGHТINGALE (a Cyrillic capital Т)', options: lists, matches: ['PROJECT NIGHТINGALE'] },
      { text: 'it was b\u200Ba\u00ADd.', options: lists, matches: ['b\u200Ba\u00ADd'] },
      { text: 'Bád news', options: lists, matches: ['Bád'] },
      { text: 'badly done', options: { ...lists, match: 'substring' }, matches: ['bad'] },
      { text: '这是机密项目的内容', options: { keywords: ['机密项目'] }, matches: ['机密项目'] },
      { text: 'Straße gesperrt', options: { keywords: ['strasse'] }, matches: ['Straße'] },
    ],
    negative: [
      { text: 'The nightingale sang about a project.', options: lists },
      { text: 'badly done, a badge, abad', options: lists },
      { text: 'acme mergers are common', options: lists },
      { text: 'Он сказал НЕТ (Cyrillic only).', options: { keywords: ['het'] } },
      { text: 'project-nightingale', options: lists },
      { text: '', options: lists },
    ],
  },
};
