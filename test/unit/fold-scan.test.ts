// Windows folded again around a stop agree with the folding of the whole text there.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FoldNeighbourhood } from '../../src/filters/fold-scan.js';
import { foldUnits } from '../../src/filters/normalize.js';

describe('FoldNeighbourhood', () => {
  it('folds a window around any unit exactly as the whole text is folded there', () => {
    // Units that change length, vanish, collapse, or pair up, so window edges land everywhere.
    const unit = fc.constantFrom('a', 'B', ' ', '\n', '\t', 'é', 'ß', '😀', '\u200b', '\u00ad', 'ｃ', '\ud800', '\udc00', '\ufdfa', '\u00a8', 'e\u0301');
    fc.assert(
      fc.property(
        fc.string({ unit, minLength: 1, maxLength: 120 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.nat(6)), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        (text, asks, back, ahead) => {
          const whole = foldUnits(text);
          if (whole.length === 0) return;
          const near = new FoldNeighbourhood(text, { back, ahead });
          // In increasing order, as a scan asks.
          const picked = [...new Set(asks.map(([g]) => g % whole.length))].sort((x, y) => x - y);
          for (const [index, g] of picked.entries()) {
            const [, before, after] = asks[index]!;
            const at = whole.map[g]!;
            const nth = g - whole.map.indexOf(at);
            const { window, end } = near.locate(at, nth, before, after);
            const w = { ...window, end };
            expect(w.offset + w.map[w.end - 1]!).toBe(at);
            // `before` units before end (from index 1), `after` from end, unless the text ends.
            const lo = w.offset === 0 ? 0 : 1;
            if (w.offset > 0) expect(w.end - before).toBeGreaterThanOrEqual(1);
            for (let x = Math.max(lo, w.end - before - 1); x < w.length; x++) {
              const global = g - (w.end - 1 - x);
              expect(w.units[x]).toBe(whole.units[global]);
              expect(w.offset + w.map[x]!).toBe(whole.map[global]);
            }
            if (w.offset + w.text.length < text.length) expect(w.length - w.end).toBeGreaterThanOrEqual(after);
            else expect(w.length - w.end).toBe(whole.length - g - 1);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('counts what it folds, so that a caller can tell when windows cost more than the text', () => {
    // One letter per 1,100 invisible characters: a window must reach far to hold a few units.
    const text = `a${'\u200b'.repeat(1100)}`.repeat(50);
    const near = new FoldNeighbourhood(text);
    near.locate(text.length - 1101, 0, 20, 2);
    expect(near.folded).toBeGreaterThan(20 * 1100);
  });
});
