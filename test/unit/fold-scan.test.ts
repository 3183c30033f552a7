// foldScan folds as foldUnits does, runs the automaton over that, and keeps in its ring
// the units and offsets every stop needs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick } from '../../src/filters/detectors/lib/aho-corasick.js';
import { foldScan, LOOKAHEAD } from '../../src/filters/fold-scan.js';
import { foldUnits } from '../../src/filters/normalize.js';

// Units that change length, vanish, collapse, or pair up.
const unit = fc.constantFrom('a', 'B', 'c', ' ', '\n', ' \t ', 'é', 'ß', '😀', '\u200b', '\u00ad', 'ｃ', '\ud800', '\udc00', '\ufdfa', '\u00a8', 'e\u0301', 'ж', '机', '\u00a0', '\u3000');

describe('foldScan', () => {
  it.each([
    ['all states dense', undefined],
    ['only the root dense', 1],
    ['a few dense states', 24],
  ])('visits what the automaton finds in foldUnits, with the ring holding each match and its neighbours (%s)', (_, denseBudget) => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit, minLength: 1, maxLength: 5 }), { maxLength: 12 }), fc.string({ unit, maxLength: 120 }), (raw, text) => {
        const terms = raw.map((t) => foldUnits(t)).map((f) => String.fromCharCode(...f.units.subarray(0, f.length)));
        const automaton = new AhoCorasick(terms, { payloadOf: (t) => t.length, ...(denseBudget === undefined ? {} : { denseBudget }) });
        const whole = foldUnits(text);
        const longest = terms.reduce((m, t) => Math.max(m, t.length), 0);
        const fused: string[] = [];
        const length = foldScan(text, automaton.tables, longest, (ring, end, state, known) => {
          expect(known === whole.length || known >= end + LOOKAHEAD).toBe(true);
          automaton.forEachMatchAt(state, end, (start, e, payload) => {
            fused.push(`${start}:${e}:${payload}`);
            // Two units before the match to two after it (as far as the text goes).
            for (let x = Math.max(0, start - 2); x < Math.min(known, end + LOOKAHEAD); x++) {
              expect(ring.unit(x), `unit ${x}`).toBe(whole.units[x]);
              expect(ring.offset(x), `offset ${x}`).toBe(whole.map[x]);
            }
          });
        });
        expect(length).toBe(whole.length);
        const separate: string[] = [];
        const folded = Buffer.from(whole.units.buffer, 0, whole.length * 2).toString('utf16le');
        automaton.forEachMatch(folded, (start, end, payload) => separate.push(`${start}:${end}:${payload}`));
        expect(fused).toEqual(separate);
      }),
      { numRuns: 600 },
    );
  });
});
