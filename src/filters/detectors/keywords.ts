import { z } from 'zod';
import { FoldNeighbourhood, foldScan, STOP_AT, STOP_END, STOP_STATE, STOP_STRIDE, STOP_UNIT } from '../fold-scan.js';
import { foldUnits, isHighSurrogate, isLowSurrogate, normalize, toOriginalSpan } from '../normalize.js';
import type { Detector, Span, SyncScanner } from '../types.js';
import { AhoCorasick } from './lib/aho-corasick.js';
import { LeftmostLongest } from './lib/leftmost-longest.js';
import { codePointBefore, isUnspacedScript, isWordCodePoint } from './lib/word-chars.js';

const MAX_TERMS = 100_000;

const MAX_TERM_LENGTH = 1_000;

/** Per-term flags: which edges of the term must sit on a word boundary. */
const BOUNDARY_BEFORE = 1;
const BOUNDARY_AFTER = 2;

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
  const terms = opts.keywords.map(foldTerm).filter((t) => t !== '');
  const wholeWords = opts.match === 'word';
  const automaton = new AhoCorasick(terms, { payloadOf: wholeWords ? boundariesOf : () => 0 });
  const longest = terms.reduce((max, t) => Math.max(max, t.length), 0);
  return {
    kind: 'sync',
    // A folded character can come from several original ones (a surrogate pair, trailing
    // diacritics, invisible characters, a whitespace run), so no exact bound exists. This
    // covers a term written in astral look-alikes with a mark on every letter plus some
    // padding; a stream hold-back misses only evasions padded beyond it.
    maxMatchLength: 4 * longest + 64,
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
      // The automaton runs in the loop that folds the text, and the folded text is not kept:
      // the places where a term ends are folded again, a window at a time, to check word
      // boundaries and to map matches back to the original (fold-scan.ts). A text full of
      // matches, or padded so that windows grow long, is folded whole instead, once.
      const stops = foldScan(text, automaton.tables, Math.max(MIN_STOPS, text.length >> STOPS_PER_CHAR_SHIFT));
      if (stops === null) return scanWhole(text);
      if (stops.length === 0) return [];
      // Folding windows again is worth it while it costs less than folding the whole text.
      const windowBudget = text.length >> 2;
      const near = new FoldNeighbourhood(text);
      const found = new LeftmostLongest(longest);
      for (let j = 0; j < stops.length && near.folded <= windowBudget; j += STOP_STRIDE) {
        const end = stops[j + STOP_END]!;
        const at = stops[j + STOP_AT]!;
        const unit = stops[j + STOP_UNIT]!;
        automaton.forEachMatchAt(stops[j + STOP_STATE]!, end, (start, _, flags) => {
          if (flags !== 0) {
            const { window: w, end: local } = near.locate(at, unit, end - start + 2, 2);
            if (boundaryViolated(w.units, w.length, local - (end - start), local, flags)) return;
          }
          found.add(start, end);
        });
      }
      if (near.folded > windowBudget) return scanWhole(text);
      // Kept matches come in order, so their windows are folded in order too.
      const back = new FoldNeighbourhood(text);
      const spans: Span[] = [];
      for (const { start, end } of found.finish()) {
        if (near.folded + back.folded > 2 * windowBudget) return scanWhole(text);
        const j = stopEndingAt(stops, end);
        const { window: w, end: local } = back.locate(stops[j + STOP_AT]!, stops[j + STOP_UNIT]!, end - start + 2, 2);
        const span = toOriginalSpan(w.map, local - (end - start), local, w.text);
        spans.push({ start: w.offset + span.start, end: w.offset + span.end });
      }
      return spans;
    },
  };

  /** The same matches, found by folding the whole text first. */
  function scanWhole(text: string): Span[] {
    const { units, length, map } = foldUnits(text);
    const found = new LeftmostLongest(longest);
    automaton.forEachMatchIn(units, length, (start, end, flags) => {
      if (flags !== 0 && boundaryViolated(units, length, start, end, flags)) return;
      found.add(start, end);
    });
    return found.finish().map((s) => toOriginalSpan(map, s.start, s.end, text));
  }
}

/**
 * Stops foldScan may keep (four numbers each): one per 16 characters, or MIN_STOPS for a
 * short text. Past that, matches are so dense that folding the whole text costs less.
 */
const STOPS_PER_CHAR_SHIFT = 4;
const MIN_STOPS = 4096;

/** The index in `stops` of the stop whose folded end is `end` (there is one for every match). */
function stopEndingAt(stops: readonly number[], end: number): number {
  let lo = 0;
  let hi = stops.length / STOP_STRIDE - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = stops[mid * STOP_STRIDE + STOP_END]!;
    if (at === end) return mid * STOP_STRIDE;
    if (at < end) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new Error('a keyword match without the stop that reported it');
}

/** Whether a word character touches a term that needs a boundary there (folded units). */
function boundaryViolated(units: Uint16Array, length: number, start: number, end: number, flags: number): boolean {
  if (flags & BOUNDARY_BEFORE) {
    const before = codePointBeforeIn(units, start);
    if (before >= 0 && isWordCodePoint(before)) return true;
  }
  return (flags & BOUNDARY_AFTER) !== 0 && end < length && isWordCodePoint(codePointAtIn(units, length, end));
}

/** As codePointBefore, over code units. */
function codePointBeforeIn(units: Uint16Array, index: number): number {
  if (index <= 0) return -1;
  const low = units[index - 1]!;
  if (isLowSurrogate(low) && index >= 2 && isHighSurrogate(units[index - 2]!)) return (units[index - 2]! - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  return low;
}

/** As String.prototype.codePointAt, over `units[0 .. length)`; `index < length`. */
function codePointAtIn(units: Uint16Array, length: number, index: number): number {
  const high = units[index]!;
  if (isHighSurrogate(high) && index + 1 < length && isLowSurrogate(units[index + 1]!)) return (high - 0xd800) * 0x400 + (units[index + 1]! - 0xdc00) + 0x10000;
  return high;
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
      { text: 'project-nightingale', options: lists },
      { text: '', options: lists },
    ],
  },
};
