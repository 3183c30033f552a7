// Folds text into one canonical form so that a keyword written one way also matches the
// usual evasions of it: full-width and other compatibility forms (NFKC), upper case,
// diacritics, Cyrillic/Greek/Armenian letters that look Latin, invisible characters
// (zero-width, soft hyphen, bidi controls, variation selectors, ...) and runs of
// whitespace. A map from every folded character back to the original lets a match found in
// the folded text be redacted in the original.
//
// Each code point is folded on its own (the result is cached), so offsets survive and the
// same function applied to a keyword and to a text gives the same letters. Two
// consequences: combining sequences are not composed across code points (diacritics are
// dropped anyway), and Greek final sigma folds to plain sigma.
import type { Span } from './types.js';

export interface NormalizedText {
  /** The folded text. */
  readonly text: string;
  /**
   * `map[i]` is the offset in the original of the code point that produced `text[i]`;
   * `map[text.length]` is the original's length. Non-decreasing.
   */
  readonly map: Int32Array;
}

/**
 * Combining marks that only decorate a letter (Latin/Greek/Cyrillic diacritics, the
 * "zalgo" blocks, Hebrew points, Arabic harakat and tatweel). Marks that carry meaning in
 * other scripts (Indic vowel signs, ...) are kept.
 */
const STRIPPED_MARK_CLASS =
  '[\\u0300-\\u036f\\u0483-\\u0489\\u0591-\\u05bd\\u05bf\\u05c1\\u05c2\\u05c4\\u05c5\\u05c7\\u0610-\\u061a\\u0640' +
  '\\u064b-\\u065f\\u0670\\u06d6-\\u06dc\\u06df-\\u06e4\\u06e7\\u06e8\\u06ea-\\u06ed\\u1ab0-\\u1aff\\u1dc0-\\u1dff' +
  '\\u20d0-\\u20ff\\ufe20-\\ufe2f]';
const STRIPPED_MARKS = new RegExp(STRIPPED_MARK_CLASS, 'gu');
const IS_STRIPPED_MARK = new RegExp(`^${STRIPPED_MARK_CLASS}$`, 'u');

/** Invisible characters that change nothing a reader sees: dropped. */
const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const WHITESPACE = /^\s$/u;

/**
 * Letters that look like Latin ones, keyed by their lower-case form: case is folded first,
 * so a Greek or Cyrillic keyword stays case-insensitive. Capitals that look Latin while
 * their lower case does not (or looks like another letter) are in CAPITAL_CONFUSABLES.
 */
const CONFUSABLES: ReadonlyMap<string, string> = new Map([
  // Cyrillic
  ['а', 'a'], ['е', 'e'], ['о', 'o'], ['р', 'p'], ['с', 'c'], ['у', 'y'], ['х', 'x'],
  ['і', 'i'], ['ј', 'j'], ['ѕ', 's'], ['ԁ', 'd'], ['һ', 'h'], ['ԛ', 'q'], ['ԝ', 'w'],
  ['ӏ', 'l'], ['ү', 'y'], ['ѵ', 'v'], ['к', 'k'],
  // Greek (final sigma is case folding, not a look-alike)
  ['α', 'a'], ['ο', 'o'], ['ν', 'v'], ['ρ', 'p'], ['τ', 't'], ['ι', 'i'], ['κ', 'k'],
  ['ε', 'e'], ['γ', 'y'], ['υ', 'u'], ['χ', 'x'], ['ω', 'w'], ['ϲ', 'c'], ['ϳ', 'j'],
  ['ς', 'σ'],
  // Armenian
  ['օ', 'o'], ['ս', 'u'], ['հ', 'h'], ['ո', 'n'], ['ց', 'g'], ['զ', 'q'],
  // Latin letters outside ASCII that pass for ASCII ones; ß is full case folding
  ['ɡ', 'g'], ['ı', 'i'], ['ȷ', 'j'], ['ɑ', 'a'], ['ɩ', 'i'], ['ß', 'ss'],
]);

/**
 * Capitals that look like a Latin capital while their lower case looks like nothing Latin,
 * or like another letter (Greek Ν is N, ν looks like v): folded before case is, so
 * `NIGHТINGALE` with a Cyrillic Т folds to `nightingale`. A word written only in
 * Cyrillic or Greek then folds to Latin too (`НЕТ` to `het`): keyword matching takes such
 * a fold for a Latin term only where the matched text has a Latin letter as well
 * (isNativeLookalike), and folds its own Cyrillic and Greek terms in their usual cases.
 */
const CAPITAL_CONFUSABLES: ReadonlyMap<string, string> = new Map([
  // Cyrillic
  ['В', 'b'], ['Н', 'h'], ['М', 'm'], ['Т', 't'],
  // Greek
  ['Β', 'b'], ['Η', 'h'], ['Μ', 'm'], ['Ζ', 'z'], ['Ν', 'n'], ['Υ', 'y'],
]);
const CAPITAL_LOOKALIKE = new Set([...CAPITAL_CONFUSABLES.keys()].map((c) => c.charCodeAt(0)));
const LATIN_LETTER = /^\p{Script=Latin}$/u;

/**
 * Whether `text[from, to)` holds a capital look-alike (CAPITAL_CONFUSABLES) and no Latin
 * letter: a word of another script that only its fold makes Latin.
 */
export function isNativeLookalike(text: string, from: number, to: number): boolean {
  let lookalike = false;
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if ((unit | 0x20) >= 0x61 && (unit | 0x20) <= 0x7a) return false;
    } else if (CAPITAL_LOOKALIKE.has(unit)) {
      lookalike = true;
    } else if (LATIN_LETTER.test(String.fromCodePoint(text.codePointAt(i)!))) {
      return false;
    }
  }
  return lookalike;
}

const UNKNOWN = 0;
const IDENTITY = 1;
const CHANGED = 2;
/** Per code point: not yet seen, folds to itself, or folds to `FOLDED.get(cp)`. */
const STATE = new Uint8Array(0x110000);
const FOLDED = new Map<number, string>();

/** One round of the fold on a whole string, code point by code point. */
function foldOnce(input: string): string {
  let out = '';
  for (const ch of input) {
    if (IGNORABLE.test(ch)) continue;
    if (WHITESPACE.test(ch)) {
      out += ' ';
      continue;
    }
    // NFKD then NFC is NFKC; dropping the marks in between removes the diacritics.
    const bare = ch.normalize('NFKD').replace(STRIPPED_MARKS, '').normalize('NFC');
    const capital = CAPITAL_CONFUSABLES.get(bare);
    if (capital !== undefined) {
      out += capital;
      continue;
    }
    for (const letter of bare.toLowerCase()) out += CONFUSABLES.get(letter) ?? letter;
  }
  return out;
}

function learn(cp: number): number {
  const ch = String.fromCodePoint(cp);
  // Lone surrogates have no meaning to fold; keep them as they are.
  let folded = cp >= 0xd800 && cp <= 0xdfff ? ch : foldOnce(ch);
  // A decomposition can produce a letter that folds further (ohm sign -> omega -> w).
  for (let round = 0; round < 3; round++) {
    const again = foldOnce(folded);
    if (again === folded) break;
    folded = again;
  }
  if (folded === ch) {
    STATE[cp] = IDENTITY;
  } else {
    STATE[cp] = CHANGED;
    FOLDED.set(cp, folded);
  }
  return STATE[cp]!;
}

// ASCII is the hot path: a table says what each byte becomes (whitespace becomes a space).
// Exported for fold-scan.ts, which reads it in its own loops; nothing writes it after this.
export const ASCII_FOLD = new Uint16Array(128);
for (let c = 0; c < 128; c++) ASCII_FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;
for (const c of [9, 10, 11, 12, 13]) ASCII_FOLD[c] = 32;

/**
 * What a code point above ASCII folds to, or undefined if it folds to itself (it is then
 * not whitespace). The answer is worked out once per code point and remembered.
 */
export function foldedCodePoint(cp: number): string | undefined {
  const kind = STATE[cp] === UNKNOWN ? learn(cp) : STATE[cp];
  return kind === IDENTITY ? undefined : FOLDED.get(cp);
}

/**
 * The folded text as code units, before it becomes a string: `units[0 .. length)` and the
 * map (`map[length]` is the original's length).
 */
export interface FoldedUnits {
  readonly units: Uint16Array;
  readonly length: number;
  readonly map: Int32Array;
}

/**
 * Folds `original` for matching. Linear: ASCII costs a table lookup per character (about
 * 10 ms for 4 MB), other code points a cache lookup. Whitespace runs become one space, so a
 * phrase still matches across a line break.
 */
export function normalize(original: string): NormalizedText {
  const { units, length, map } = foldUnits(original);
  // utf16le decoding copies code units as they are (lone surrogates included).
  const text = Buffer.from(units.buffer, units.byteOffset, length * 2).toString('utf16le');
  return { text, map };
}

/** {@link normalize} without the string: the same units and map. */
export function foldUnits(original: string): FoldedUnits {
  const n = original.length;
  // Invariant: capacity >= emitted + units left to read + 1. ASCII never emits more than it
  // reads, so only a code point that folds to more units than it had can need more room.
  let out: Uint16Array = new Uint16Array(n + 16);
  let map: Int32Array = new Int32Array(n + 17);
  let k = 0;
  let lastWasSpace = false;
  let i = 0;
  while (i < n) {
    for (; i < n; i++) {
      const c = original.charCodeAt(i);
      if (c >= 0x80) break;
      const folded = ASCII_FOLD[c]!;
      if (folded === 32) {
        if (lastWasSpace) continue;
        lastWasSpace = true;
      } else {
        lastWasSpace = false;
      }
      out[k] = folded;
      map[k++] = i;
    }
    if (i >= n) break;

    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const folded = foldedCodePoint(cp);
    if (folded === undefined) {
      // Identity code points are never whitespace (whitespace folds to ' ').
      for (let j = 0; j < width; j++) {
        out[k] = original.charCodeAt(i + j);
        map[k++] = i;
      }
      lastWasSpace = false;
    } else {
      const needed = k + folded.length + (n - i - width) + 1;
      if (needed > out.length) {
        const size = Math.max(needed + 16, out.length * 2);
        out = grow16(out, size);
        map = grow32(map, size + 1);
      }
      for (let j = 0; j < folded.length; j++) {
        const unit = folded.charCodeAt(j);
        if (unit === 32) {
          if (lastWasSpace) continue;
          lastWasSpace = true;
        } else {
          lastWasSpace = false;
        }
        out[k] = unit;
        map[k++] = i;
      }
    }
    i += width;
  }
  map[k] = n;
  return { units: out, length: k, map: map.subarray(0, k + 1) };
}

function grow16(a: Uint16Array, size: number): Uint16Array {
  const b = new Uint16Array(size);
  b.set(a);
  return b;
}

function grow32(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Decorations that stay attached to the letter before them when a span is cut out. */
function isTrailingDecoration(unit: number): boolean {
  if (unit >= 0xfe00 && unit <= 0xfe0f) return true; // variation selectors
  return unit >= 0x300 && IS_STRIPPED_MARK.test(String.fromCharCode(unit));
}

/**
 * Maps a span `[start, end)` of the normalised text back onto `original`: from the first
 * original code point that produced `start` to the end of the one that produced `end - 1`,
 * plus any diacritics and variation selectors that were dropped right after it (they would
 * otherwise dangle on the replacement). Invisible characters inside the span are covered;
 * ones after it are not.
 */
export function toOriginalSpan(map: Int32Array, start: number, end: number, original: string): Span {
  if (!(start >= 0 && start < end && end < map.length)) {
    throw new RangeError('span outside the normalised text');
  }
  return spanFromOffsets(map[start]!, map[end - 1]!, map[end]!, original);
}

/**
 * {@link toOriginalSpan} from the offsets it reads in the map: of the code points that
 * produced the span's first and last units, and of the one that produced the unit after
 * it (the original's length when the span ends the text).
 */
export function spanFromOffsets(from: number, last: number, next: number, original: string): Span {
  const high = original.charCodeAt(last);
  let to = last + (high >= 0xd800 && high <= 0xdbff && isLowSurrogate(original.charCodeAt(last + 1)) ? 2 : 1);
  while (to < next && isTrailingDecoration(original.charCodeAt(to))) to++;
  return { start: from, end: to };
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
