// Running a keyword automaton over the folded form of a text without writing that form
// down. Folding a 4 MB prompt into code units and their offsets fills 24 MB of arrays
// that are read only around the rare places where a term ends. Here the folding and the
// automaton share one loop, and only the last few folded units and their offsets are
// kept, in a ring as long as the longest term plus a little: enough to look at every
// match, its neighbours (word boundaries) and its place in the original, when the scan has
// read two units past it. The work per character stays constant whatever the text holds.
//
// The loop must fold exactly as foldUnits (normalize.ts) does; the property tests in
// test/unit/fold-scan.test.ts compare the two.
import { ASCII_FOLD, foldedCodePoint } from './normalize.js';

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

/** Units read past a stop before it is settled: the two that can follow a match (a surrogate pair). */
export const LOOKAHEAD = 2;

/**
 * The last folded units of a scan and, for each, the offset in the original of the code
 * point that produced it: unit number `x` (counting from 0) is at `x & mask` while it is
 * among the last `mask + 1`.
 */
export class FoldRing {
  readonly units: Uint16Array;
  readonly offsets: Int32Array;
  readonly mask: number;

  /** A ring that holds `span` units back from the last one read, at least. */
  constructor(span: number) {
    let size = 16;
    while (size < span + LOOKAHEAD + 2) size *= 2;
    this.units = new Uint16Array(size);
    this.offsets = new Int32Array(size);
    this.mask = size - 1;
  }

  unit(x: number): number {
    return this.units[x & this.mask]!;
  }

  offset(x: number): number {
    return this.offsets[x & this.mask]!;
  }
}

/**
 * Called for each point where the automaton is in a state where a term ends: `end` folded
 * units had been read, leaving it in `state`. It is called once `end + LOOKAHEAD` units
 * have been read, or at the end of the text; `known` is how many have been read then (the
 * whole folded length at the end). The ring then holds units `known - ring size` to
 * `known - 1`.
 */
export type StopVisitor = (end: number, state: number, known: number) => void;

/**
 * Runs `automaton` over the folded form of `original`, keeping the last units in `ring`,
 * and calls `visit` for every stop (see StopVisitor). Returns the folded length.
 */
export function foldScan(original: string, automaton: UnitAutomaton, ring: FoldRing, visit: StopVisitor): number {
  const n = original.length;
  const { symbolOf, alphabet, denseStates, dense, report } = automaton;
  const { units, offsets, mask } = ring;
  // ASCII: one lookup gives the folded character's symbol, flagged when it is whitespace.
  const ascii = new Int32Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = symbolOf[ASCII_FOLD[c]!]! | (ASCII_FOLD[c] === 32 ? SPACE_FLAG : 0);
  // Stops waiting for their lookahead, oldest first: pairs (end, state). Stops are at
  // least one unit apart, so at most LOOKAHEAD wait at once.
  const waiting: number[] = [];
  let due = Number.POSITIVE_INFINITY;
  const settle = (known: number): number => {
    let j = 0;
    while (j < waiting.length && waiting[j]! + LOOKAHEAD <= known) {
      visit(waiting[j]!, waiting[j + 1]!, known);
      j += 2;
    }
    waiting.splice(0, j);
    return waiting.length === 0 ? Number.POSITIVE_INFINITY : waiting[0]! + LOOKAHEAD;
  };
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
      units[k & mask] = ASCII_FOLD[c]!;
      offsets[k & mask] = i;
      k++;
      if (k >= due) due = settle(k);
      if (symbol === 0) {
        state = 0;
      } else {
        state = state < denseStates ? dense[state * alphabet + symbol]! : automaton.sparseNext(state, symbol);
        if (report[state] !== 0) {
          waiting.push(k, state);
          if (due === Number.POSITIVE_INFINITY) due = k + LOOKAHEAD;
        }
      }
    }
    if (i >= n) break;

    const cp = original.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const folded = foldedCodePoint(cp);
    // Identity code points are never whitespace (whitespace folds to ' ').
    const count = folded === undefined ? width : folded.length;
    for (let j = 0; j < count; j++) {
      const unit = folded === undefined ? original.charCodeAt(i + j) : folded.charCodeAt(j);
      if (unit === 32) {
        if (lastWasSpace) continue;
        lastWasSpace = true;
      } else {
        lastWasSpace = false;
      }
      units[k & mask] = unit;
      offsets[k & mask] = i;
      k++;
      if (k >= due) due = settle(k);
      state = advance(automaton, state, unit);
      if (report[state] !== 0) {
        waiting.push(k, state);
        if (due === Number.POSITIVE_INFINITY) due = k + LOOKAHEAD;
      }
    }
    i += width;
  }
  // The text ends: what waits has all the lookahead there will be.
  for (let j = 0; j < waiting.length; j += 2) visit(waiting[j]!, waiting[j + 1]!, k);
  return k;
}
