// Running a keyword automaton over the folded form of a text without writing that form
// down. Folding a 4 MB prompt into code units and their offsets costs two arrays of 24 MB
// written once and read only around the rare places where a term ends; here the folding
// and the automaton share one loop that stores nothing per character, and only those
// places are folded again, a window at a time, when a match needs its surroundings (word
// boundaries) or its place in the original.
//
// The loop must fold exactly as foldUnits (normalize.ts) does: the property tests in
// test/unit/detectors/aho-corasick.test.ts and test/unit/normalize.test.ts compare the two.
import { ASCII_FOLD, foldedCodePoint, foldUnits, isHighSurrogate, isLowSurrogate, type FoldedUnits } from './normalize.js';

/**
 * The transition tables of an automaton over folded code units (a keyword automaton).
 * State 0 is the start; a unit of symbol 0 leads back to it.
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

/** Above every symbol (symbols number code units): marks whitespace in foldScan's ASCII table. */
const SPACE_FLAG = 1 << 20;

/**
 * Where the automaton was in a state where a term ends, four numbers per stop in the array
 * foldScan returns, at these offsets from the stop's index (a multiple of STOP_STRIDE).
 */
export const STOP_STRIDE = 4;
/** Folded units read up to and including the stop's: the end of its matches, in folded units. */
export const STOP_END = 0;
/** Offset in the original of the code point that produced the stop's unit. */
export const STOP_AT = 1;
/** Which of that code point's folded units it was (0 for the first). */
export const STOP_UNIT = 2;
/** The automaton's state after the unit. */
export const STOP_STATE = 3;

/**
 * Runs `automaton` over the folded form of `original` and returns its stops (see
 * STOP_STRIDE), or null once there would be more than `maxStops`: a text that full of
 * matches is better folded whole.
 */
export function foldScan(original: string, automaton: UnitAutomaton, maxStops = Number.POSITIVE_INFINITY): number[] | null {
  const n = original.length;
  const stops: number[] = [];
  const limit = Math.min(maxStops, Number.MAX_SAFE_INTEGER / STOP_STRIDE) * STOP_STRIDE;
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
        if (report[state] !== 0) {
          stops.push(k, i, 0, state);
          if (stops.length > limit) return null;
        }
      }
    }
    if (i >= n) break;

    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const folded = foldedCodePoint(cp);
    if (folded === undefined) {
      for (let j = 0; j < width; j++) {
        k++;
        state = advance(automaton, state, original.charCodeAt(i + j));
        if (report[state] !== 0) stops.push(k, i, j, state);
      }
      lastWasSpace = false;
    } else {
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
    if (stops.length > limit) return null;
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

/** A window and, in its units, the index just after the unit asked for. */
export interface Located {
  readonly window: FoldedWindow;
  readonly end: number;
}

/** Code units of the original folded beyond a stop at least, so that later stops reuse the window. */
const WINDOW_AHEAD = 256;

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
  #folded = 0;

  /** `back` and `ahead`: the least a new window reaches around a stop (tests make them small). */
  constructor(original: string, { back = 32, ahead = WINDOW_AHEAD }: { back?: number; ahead?: number } = {}) {
    this.#original = original;
    this.#back = Math.max(1, back);
    this.#ahead = Math.max(1, ahead);
  }

  /**
   * Characters of the original folded so far, over all windows: a caller that sees this
   * pass the text's own length is better off folding the whole text once (text padded
   * with invisible characters or marks between letters makes every window long).
   */
  get folded(): number {
    return this.#folded;
  }

  /**
   * A window in which `units[end - 1]` is the `unit`-th unit produced by the code point at
   * `at`, with at least `before` units before `end` after its first unit (or starting at
   * the text's beginning) and at least `after` units from `end` on (or ending at the text's
   * end). The window's units from index 1 on, and their map, are those of the whole text's
   * folding.
   */
  locate(at: number, unit: number, before: number, after: number): Located {
    const reused = this.#endIn(this.#window, at, unit, before, after);
    if (reused >= 0) return { window: this.#window, end: reused };
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
      this.#folded += text.length;
      const { units, length, map } = foldUnits(text);
      const window: FoldedWindow = { units, length, map, offset: from, text };
      const end = this.#endIn(window, at, unit, before, after);
      if (end >= 0) {
        this.#window = window;
        return { window, end };
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
