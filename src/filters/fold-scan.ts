// Running a keyword automaton over the folded form of a text without writing that form
// down. Folding a 4 MB prompt into code units and their offsets fills 24 MB of arrays
// that are read only around the rare places where a term ends. Here the folding and the
// automaton share one loop. Until the first place where a term ends, nothing is stored
// per character (most texts hold no listed term at all); from there on, the last folded
// units and their offsets are kept in a ring as long as the longest term plus a little:
// enough to look at every match, its neighbours (word boundaries) and its place in the
// original, once the scan has read two units past it. The ring starts filled by folding
// again the piece of text before that first place (growing it until it holds enough). The
// work per character stays constant whatever the text holds.
//
// The folding loop is written out three times (scanToFirstStop and scanWithRing here,
// foldUnits in normalize.ts), each the hot loop of its caller, kept apart so that each
// does only its own writes per character. They must fold exactly alike; the property
// tests in test/unit/fold-scan.test.ts compare them.
import { ASCII_FOLD, foldedCodePoint, foldUnits, isHighSurrogate, isLowSurrogate } from './normalize.js';

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
/** Units kept before a match: the two that can precede it (a surrogate pair). */
export const LOOKBEHIND = 2;

/**
 * The last folded units of a scan and, for each, the offset in the original of the code
 * point that produced it: unit number `x` (counting from 0) is at `x & mask` while it is
 * among the last `mask + 1`.
 */
export class FoldRing {
  readonly units: Uint16Array;
  readonly offsets: Int32Array;
  readonly mask: number;

  /** A ring that holds at least `span` units. */
  constructor(span: number) {
    let size = 16;
    while (size < span) size *= 2;
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
 * units had been read, leaving it in `state`. It is called, in the order of `end`, once at
 * least `end + LOOKAHEAD` units have been read, or at the end of the text; `known` is how
 * many have been read then (the whole folded length at the end). `ring` then holds the units from `end - depth - 2`
 * (`depth` as given to foldScan) to `known - 1`, or from 0.
 */
export type StopVisitor = (ring: FoldRing, end: number, state: number, known: number) => void;

/** Where a scan is: the next code point to read, units read, the automaton's state. */
interface Position {
  i: number;
  k: number;
  state: number;
  lastWasSpace: boolean;
  /** Stops not yet visited, oldest first: pairs (end, state). */
  readonly waiting: number[];
}

/**
 * Runs `automaton` over the folded form of `original` and calls `visit` for every stop
 * (see StopVisitor); `depth` is the longest term. Returns the folded length.
 */
export function foldScan(original: string, automaton: UnitAutomaton, depth: number, visit: StopVisitor): number {
  const at: Position = { i: 0, k: 0, state: 0, lastWasSpace: false, waiting: [] };
  const ascii = asciiSymbols(automaton);
  scanToFirstStop(original, automaton, ascii, at);
  if (at.waiting.length === 0) return at.k;
  // Room for the deepest match of the first stops (they may all come from the last code
  // point read, which can fold to many units), the units before it and after it, and the
  // unit being written while a stop is settled.
  const ring = new FoldRing(at.k - at.waiting[0]! + depth + LOOKBEHIND + LOOKAHEAD + 1);
  fillRing(original, ring, at);
  return scanWithRing(original, automaton, ascii, ring, at, visit);
}

/** ASCII: one lookup gives the folded character's symbol, flagged when it is whitespace. */
function asciiSymbols(automaton: UnitAutomaton): Int32Array {
  const ascii = new Int32Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = automaton.symbolOf[ASCII_FOLD[c]!]! | (ASCII_FOLD[c] === 32 ? SPACE_FLAG : 0);
  return ascii;
}

/**
 * Reads from `at` storing nothing, up to the end of the text or to the end of the first
 * code point after which a stop waits (`at.waiting`).
 */
function scanToFirstStop(original: string, automaton: UnitAutomaton, ascii: Int32Array, at: Position): void {
  const n = original.length;
  const { alphabet, denseStates, dense, report } = automaton;
  let { i, k, state, lastWasSpace } = at;
  const waiting = at.waiting;
  while (i < n && waiting.length === 0) {
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
          waiting.push(k, state);
          i++;
          break;
        }
      }
    }
    if (i >= n || waiting.length > 0) break;

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
      k++;
      state = advance(automaton, state, unit);
      if (report[state] !== 0) waiting.push(k, state);
    }
    i += width;
  }
  at.i = i;
  at.k = k;
  at.state = state;
  at.lastWasSpace = lastWasSpace;
}

/**
 * Fills `ring` with the last units read before `at.i` (as many as it holds, or all), by
 * folding the piece of the original before `at.i` again. A piece folded on its own starts
 * as if no space came before it, so its first unit may be a space that the whole text's
 * folding dropped; every later unit is the same. The piece grows until it has enough units
 * after its first, or starts the text. Linear: each try folds four times what the last did,
 * so the tries together fold at most a third more than the last one.
 */
function fillRing(original: string, ring: FoldRing, at: Position): void {
  const size = ring.mask + 1;
  const needed = Math.min(at.k, size);
  for (let back = 2 * needed; ; back *= 4) {
    // A piece that must hold every unit read so far is the whole prefix.
    let from = needed === at.k ? 0 : Math.max(0, at.i - back);
    if (from > 0 && isLowSurrogate(original.charCodeAt(from)) && isHighSurrogate(original.charCodeAt(from - 1))) from--;
    const piece = foldUnits(original.slice(from, at.i));
    if (from > 0 && piece.length - 1 < needed) continue;
    // Local unit x is unit (k - length + x) of the whole text.
    for (let x = piece.length - needed; x < piece.length; x++) {
      const global = at.k - piece.length + x;
      ring.units[global & ring.mask] = piece.units[x]!;
      ring.offsets[global & ring.mask] = from + piece.map[x]!;
    }
    return;
  }
}

/** Reads from `at` to the end, keeping the last units in `ring`, visiting every stop. */
function scanWithRing(original: string, automaton: UnitAutomaton, ascii: Int32Array, ring: FoldRing, at: Position, visit: StopVisitor): number {
  const n = original.length;
  const { alphabet, denseStates, dense, report } = automaton;
  const { units, offsets, mask } = ring;
  const waiting = at.waiting;
  let head = 0;
  const settle = (known: number): number => {
    while (head < waiting.length && waiting[head]! + LOOKAHEAD <= known) {
      visit(ring, waiting[head]!, waiting[head + 1]!, known);
      head += 2;
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
      return Number.POSITIVE_INFINITY;
    }
    // On text where a term ends at every unit the queue never empties: drop what was
    // settled now and then, without moving the rest on every stop.
    if (head >= 1024) {
      waiting.copyWithin(0, head);
      waiting.length -= head;
      head = 0;
    }
    return waiting[head]! + LOOKAHEAD;
  };
  let { i, k, state, lastWasSpace } = at;
  let due = settle(k);
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
    if (folded === undefined) {
      // Identity code points are never whitespace (whitespace folds to ' ').
      for (let j = 0; j < width; j++) {
        const unit = original.charCodeAt(i + j);
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
      lastWasSpace = false;
      i += width;
      continue;
    }
    for (let j = 0; j < folded.length; j++) {
      const unit = folded.charCodeAt(j);
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
  for (let j = head; j < waiting.length; j += 2) visit(ring, waiting[j]!, waiting[j + 1]!, k);
  return k;
}
