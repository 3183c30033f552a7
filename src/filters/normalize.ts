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
 * so a Greek or Cyrillic keyword stays case-insensitive. Upper-case-only look-alikes
 * whose lower case looks like nothing Latin (Cyrillic В Н М Т, Greek Β Η Μ Ζ) are left
 * alone, or native words in those scripts would start matching Latin ones.
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
const ASCII_FOLD = new Uint16Array(128);
for (let c = 0; c < 128; c++) ASCII_FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;
for (const c of [9, 10, 11, 12, 13]) ASCII_FOLD[c] = 32;

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
 * The transition tables of an automaton over folded code units (a keyword automaton), so
 * that {@link foldScan} can run it in the loop that folds. State 0 is the start; a unit of
 * symbol 0 leads back to it.
 */
export interface UnitAutomaton {
  /** Code unit -> symbol; 0 for a unit that no term contains. */
  readonly symbolOf: Int32Array;
  readonly alphabet: number;
  /** States below this have a full row: `dense[state * alphabet + symbol]`. */
  readonly denseStates: number;
  readonly dense: Int32Array;
  /** Non-zero for a state where some term ends. */
  readonly report: Int32Array;
  /** The transition from a state at or above `denseStates`. */
  sparseNext(state: number, symbol: number): number;
}

function advance(a: UnitAutomaton, state: number, unit: number): number {
  const symbol = a.symbolOf[unit]!;
  if (symbol === 0) return 0;
  return state < a.denseStates ? a.dense[state * a.alphabet + symbol]! : a.sparseNext(state, symbol);
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
    const kind = STATE[cp] === UNKNOWN ? learn(cp) : STATE[cp];
    if (kind === IDENTITY) {
      // Identity code points are never whitespace (whitespace folds to ' ').
      for (let j = 0; j < width; j++) {
        out[k] = original.charCodeAt(i + j);
        map[k++] = i;
      }
      lastWasSpace = false;
    } else {
      const folded = FOLDED.get(cp)!;
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

/** Above every symbol (symbols number code units): marks whitespace in foldScan's ASCII table. */
const SPACE_FLAG = 1 << 20;

/** Numbers per stop in what {@link foldScan} returns. */
export const STOP_STRIDE = 4;

/**
 * Runs `automaton` over the folded form of `original` without writing that form down: the
 * folding and the automaton share one loop, and nothing is stored per character. Returns,
 * for every folded unit after which the automaton is in a state where a term ends, four
 * numbers: how many folded units had been read (the match's end in folded units), the
 * offset in the original of the code point that produced the unit, which of that code
 * point's folded units it was, and the state. {@link FoldNeighbourhood} folds the text
 * around a stop again when a match needs its surroundings or its place in the original.
 */
export function foldScan(original: string, automaton: UnitAutomaton): number[] {
  const n = original.length;
  const stops: number[] = [];
  const { symbolOf, alphabet, denseStates, dense, report } = automaton;
  // ASCII: one lookup gives the folded character's symbol, flagged when it is whitespace.
  const ascii = new Int32Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = symbolOf[ASCII_FOLD[c]!]! | (ASCII_FOLD[c] === 32 ? SPACE_FLAG : 0);
  let k = 0;
  let lastWasSpace = false;
  let state = 0;
  let i = 0;
  while (i < n) {
    for (; i < n; i++) {
      const c = original.charCodeAt(i);
      if (c >= 0x80) break;
      let symbol = ascii[c]!;
      if (symbol >= SPACE_FLAG) {
        if (lastWasSpace) continue;
        lastWasSpace = true;
        symbol -= SPACE_FLAG;
      } else {
        lastWasSpace = false;
      }
      k++;
      if (symbol === 0) {
        state = 0;
      } else {
        state = state < denseStates ? dense[state * alphabet + symbol]! : automaton.sparseNext(state, symbol);
        if (report[state] !== 0) stops.push(k, i, 0, state);
      }
    }
    if (i >= n) break;

    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const kind = STATE[cp] === UNKNOWN ? learn(cp) : STATE[cp];
    if (kind === IDENTITY) {
      for (let j = 0; j < width; j++) {
        k++;
        state = advance(automaton, state, original.charCodeAt(i + j));
        if (report[state] !== 0) stops.push(k, i, j, state);
      }
      lastWasSpace = false;
    } else {
      const folded = FOLDED.get(cp)!;
      let emitted = 0;
      for (let j = 0; j < folded.length; j++) {
        const unit = folded.charCodeAt(j);
        if (unit === 32) {
          if (lastWasSpace) continue;
          lastWasSpace = true;
        } else {
          lastWasSpace = false;
        }
        k++;
        state = advance(automaton, state, unit);
        if (report[state] !== 0) stops.push(k, i, emitted, state);
        emitted++;
      }
    }
    i += width;
  }
  return stops;
}

/** A piece of the folded text, folded again from a window of the original. */
export interface FoldedWindow extends FoldedUnits {
  /** Where the window begins in the original; `map` is relative to it. */
  readonly offset: number;
  /** The window of the original that was folded. */
  readonly text: string;
}

/** Code units of the original folded beyond a stop at least, so that later stops reuse the window. */
const WINDOW_AHEAD = 1024;

/**
 * The folded text near the stops of one {@link foldScan}, folded again window by window.
 * Stops asked for in increasing order share a window until they come near its edge.
 *
 * A window folded on its own starts as if no space came before it, so its first unit may be
 * a space that the whole text's folding dropped (the previous unit was a space). From the
 * first code point that produces a unit on, both foldings are in the same state and make the
 * same units. A window is therefore used only where the units asked for come after its
 * first unit, or where it starts at the beginning of the text.
 */
export class FoldNeighbourhood {
  readonly #original: string;
  readonly #back: number;
  readonly #ahead: number;
  #window: FoldedWindow = { units: new Uint16Array(0), length: 0, map: new Int32Array(1), offset: 0, text: '' };

  /** `back` and `ahead`: the least a new window reaches around a stop (tests make them small). */
  constructor(original: string, { back = 32, ahead = WINDOW_AHEAD }: { back?: number; ahead?: number } = {}) {
    this.#original = original;
    this.#back = Math.max(1, back);
    this.#ahead = Math.max(1, ahead);
  }

  /** The window that the last {@link locate} answered in. */
  get window(): FoldedWindow {
    return this.#window;
  }

  /**
   * Makes {@link window} a window in which `units[end - 1]` is the `unit`-th unit produced by
   * the code point at `at`, and returns `end`. The window has at least `before` units
   * before `end` after its first unit (or starts at the text's beginning) and at least
   * `after` units from `end` on (or ends at the text's end). Its units from index 1 on, and
   * their map, are those of the whole text's folding.
   */
  locate(at: number, unit: number, before: number, after: number): number {
    const reused = this.#endIn(this.#window, at, unit, before, after);
    if (reused >= 0) return reused;
    const original = this.#original;
    const n = original.length;
    let back = Math.max(this.#back, 2 * before);
    let ahead = Math.max(this.#ahead, 2 * after);
    for (;;) {
      let from = Math.max(0, at - back);
      if (from > 0 && isLowSurrogate(original.charCodeAt(from)) && isHighSurrogate(original.charCodeAt(from - 1))) from--;
      let to = Math.min(n, at + 2 + ahead);
      if (to < n && isLowSurrogate(original.charCodeAt(to)) && isHighSurrogate(original.charCodeAt(to - 1))) to++;
      const text = original.slice(from, to);
      const { units, length, map } = foldUnits(text);
      const window: FoldedWindow = { units, length, map, offset: from, text };
      const end = this.#endIn(window, at, unit, before, after);
      if (end >= 0) {
        this.#window = window;
        return end;
      }
      if (from === 0 && to === n) throw new Error('foldScan reported a unit that folding the text does not produce');
      const first = firstUnitOf(window, at - from);
      if (from > 0 && (first <= 0 || first + unit + 1 - before < 1)) back *= 2;
      if (to < n && window.length - (first + unit + 1) < after) ahead *= 2;
    }
  }

  /** `end` for the stop in `window`, or -1 if the window does not cover it with the margins asked. */
  #endIn(window: FoldedWindow, at: number, unit: number, before: number, after: number): number {
    const local = at - window.offset;
    if (local < 0 || local >= window.text.length) return -1;
    const first = firstUnitOf(window, local);
    if (first < 0) return -1;
    const end = first + unit + 1;
    const startsText = window.offset === 0;
    const endsText = window.offset + window.text.length === this.#original.length;
    if (!startsText && (first === 0 || end - before < 1)) return -1;
    if (!endsText && window.length - end < after) return -1;
    return end;
  }
}

/** The index of the first unit that the code point at `local` produced, or -1 if it produced none. */
function firstUnitOf(window: FoldedUnits, local: number): number {
  const { map, length } = window;
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map[mid]! < local) lo = mid + 1;
    else hi = mid;
  }
  return lo < length && map[lo] === local ? lo : -1;
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
  const from = map[start]!;
  const last = map[end - 1]!;
  const high = original.charCodeAt(last);
  let to = last + (high >= 0xd800 && high <= 0xdbff && isLowSurrogate(original.charCodeAt(last + 1)) ? 2 : 1);
  const next = map[end]!;
  while (to < next && isTrailingDecoration(original.charCodeAt(to))) to++;
  return { start: from, end: to };
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
