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

  get size(): number {
    return this.#starts.length;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    this.#starts.push(start);
    this.#ends.push(end);
  }

  select(): Span[] {
    const starts = this.#starts;
    const ends = this.#ends;
    const count = starts.length;
    const order = Array.from({ length: count }, (_, i) => i);
    if (!isOrderedAndDisjoint(starts, ends)) {
      order.sort((a, b) => starts[a]! - starts[b]! || ends[b]! - ends[a]!);
    }
    const kept: Span[] = [];
    let lastEnd = -1;
    for (const i of order) {
      const start = starts[i]!;
      if (start < lastEnd) continue;
      lastEnd = ends[i]!;
      kept.push({ start, end: lastEnd });
    }
    return kept;
  }
}

/** The common case (one detector, no overlaps) needs no sort. */
function isOrderedAndDisjoint(starts: readonly number[], ends: readonly number[]): boolean {
  for (let i = 1; i < starts.length; i++) if (starts[i]! < ends[i - 1]!) return false;
  return true;
}
