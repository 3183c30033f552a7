import type { Span } from '../../types.js';

/** A kept candidate, as reported (see LeftmostLongest.add). */
export interface KeptSpan extends Span {
  readonly tag: number;
}

/**
 * Leftmost-longest selection for candidates that arrive in order of their end, each at most
 * `maxLength` long (what Aho-Corasick produces). The result is the same as sorting all
 * candidates by start (longest first) and keeping each one that does not overlap the last
 * one kept, but without the sort and with memory for one window only: once the scan has
 * passed `start + maxLength`, no later candidate can begin at `start`, so the best
 * candidate there is final. A text built to produce a million overlapping candidates then
 * costs a few array writes per candidate.
 */
export class LeftmostLongest {
  readonly #window: number;
  /** Ring over starts in the open window: the longest end seen for that start, 0 if none. */
  readonly #bestEnd: Int32Array;
  /** For the same slots: what is reported for the start and its best end (see add). */
  readonly #outStart: Int32Array;
  readonly #outEnd: Int32Array;
  readonly #tag: Int32Array;
  #pending = 0;
  /** Every start below this is decided. */
  #next = 0;
  #lastEnd = 0;
  readonly #kept: KeptSpan[] = [];

  constructor(maxLength: number) {
    this.#window = maxLength;
    this.#bestEnd = new Int32Array(maxLength + 1);
    this.#outStart = new Int32Array(maxLength + 1);
    this.#outEnd = new Int32Array(maxLength + 1);
    this.#tag = new Int32Array(maxLength + 1);
  }

  /**
   * A candidate `[start, end)`. Selection works on these offsets; a kept candidate is
   * reported as `[outStart, outEnd)` with `tag` (by default the same offsets and 0), so a
   * caller that selects in one text (a folded one) can report in another (the original),
   * and finish the work for the kept candidates only.
   */
  add(start: number, end: number, outStart = start, outEnd = end, tag = 0): void {
    this.#decideBelow(end - this.#window);
    if (start < this.#lastEnd || end <= start) return;
    // The slot's previous owner started at least window + 1 earlier: decided and cleared.
    const slot = start % this.#bestEnd.length;
    const best = this.#bestEnd[slot]!;
    if (best === 0) this.#pending++;
    if (end > best) {
      this.#bestEnd[slot] = end;
      this.#outStart[slot] = outStart;
      this.#outEnd[slot] = outEnd;
      this.#tag[slot] = tag;
    }
  }

  finish(): KeptSpan[] {
    this.#decideBelow(Number.POSITIVE_INFINITY);
    return this.#kept;
  }

  #decideBelow(limit: number): void {
    while (this.#next < limit) {
      if (this.#pending === 0) {
        this.#next = limit;
        return;
      }
      const slot = this.#next % this.#bestEnd.length;
      const end = this.#bestEnd[slot]!;
      if (end !== 0) {
        this.#bestEnd[slot] = 0;
        this.#pending--;
        if (this.#next >= this.#lastEnd) {
          this.#kept.push({ start: this.#outStart[slot]!, end: this.#outEnd[slot]!, tag: this.#tag[slot]! });
          this.#lastEnd = end;
        }
      }
      this.#next++;
    }
  }
}
