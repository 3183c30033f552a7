import type { Span } from '../../types.js';

/**
 * Collects candidate matches (in any order, overlaps allowed) and keeps the
 * leftmost-longest non-overlapping ones: at each start the longest candidate wins, and a
 * candidate that overlaps one already kept is dropped. Every dropped candidate overlaps a
 * kept one, so redacting the kept spans breaks every candidate.
 */
export class SpanCollector {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    this.#starts.push(start);
    this.#ends.push(end);
  }

  select(): Span[] {
    const starts = this.#starts;
    const ends = this.#ends;
    if (isOrderedAndDisjoint(starts, ends)) return starts.map((start, i) => ({ start, end: ends[i]! }));
    const kept: Span[] = [];
    let lastEnd = -1;
    for (const span of byStartLongestFirst(starts, ends)) {
      if (span.start < lastEnd) continue;
      kept.push(span);
      lastEnd = span.end;
    }
    return kept;
  }
}

/** The common case (one detector, no overlaps) needs no sort. */
function isOrderedAndDisjoint(starts: readonly number[], ends: readonly number[]): boolean {
  for (let i = 1; i < starts.length; i++) if (starts[i]! < ends[i - 1]!) return false;
  return true;
}

/**
 * Sorting packs each candidate into one number, `start * SLOTS + (SLOTS - 1 - length)`,
 * which orders by start and then longest first: a typed-array sort of numbers is native and
 * about ten times faster than sorting objects with a comparator, which matters when a text
 * is built to produce a million overlapping candidates. Exact while lengths stay below
 * SLOTS (start < 2^32 keeps the product below 2^53); longer spans take the comparator.
 */
const SLOTS = 2 ** 21;

function byStartLongestFirst(starts: readonly number[], ends: readonly number[]): Span[] {
  const count = starts.length;
  if (ends.some((end, i) => end - starts[i]! >= SLOTS)) {
    return starts
      .map((start, i) => ({ start, end: ends[i]! }))
      .sort((a, b) => a.start - b.start || b.end - a.end);
  }
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = starts[i]! * SLOTS + (SLOTS - 1 - (ends[i]! - starts[i]!));
  keys.sort();
  return Array.from(keys, (key) => {
    const start = Math.floor(key / SLOTS);
    return { start, end: start + (SLOTS - 1 - (key % SLOTS)) };
  });
}
