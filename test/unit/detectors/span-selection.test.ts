import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeftmostLongest } from '../../../src/filters/detectors/lib/leftmost-longest.js';
import { SpanCollector } from '../../../src/filters/detectors/lib/spans.js';

const candidate = fc.tuple(fc.nat({ max: 200 }), fc.integer({ min: 1, max: 8 }));

describe('span selection', () => {
  it('keeps the leftmost, then longest, non-overlapping candidates', () => {
    const c = new SpanCollector();
    for (const [s, e] of [[5, 9], [0, 3], [2, 8], [0, 2], [8, 10], [3, 4]] as const) c.add(s, e);
    expect(c.select()).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 4 },
      { start: 5, end: 9 },
    ]);
  });

  it('streams the same selection as the sorting collector when candidates come by end', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 60 }), (raw) => {
        const spans = raw.map(([start, length]) => ({ start, end: start + length }));
        spans.sort((a, b) => a.end - b.end || a.start - b.start);
        const sorting = new SpanCollector();
        const streaming = new LeftmostLongest(8);
        for (const s of spans) {
          sorting.add(s.start, s.end);
          // Reported in other coordinates, with a tag, as the keyword scan does.
          streaming.add(s.start, s.end, s.start + 1000, s.end + 1000, s.start * 31 + s.end);
        }
        const want = sorting.select().map((s) => ({ start: s.start + 1000, end: s.end + 1000, tag: s.start * 31 + s.end }));
        expect(streaming.finish()).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});
