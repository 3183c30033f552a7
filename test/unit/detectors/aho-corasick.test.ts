import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick } from '../../../src/filters/detectors/lib/aho-corasick.js';
import { foldScan, STOP_STRIDE } from '../../../src/filters/fold-scan.js';
import { foldUnits } from '../../../src/filters/normalize.js';

/** Every occurrence of every term, the slow obvious way, as sorted "start:end" keys. */
function naive(terms: readonly string[], text: string): string[] {
  const found = new Set<string>();
  for (const term of terms) {
    if (term === '') continue;
    for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) found.add(`${at}:${at + term.length}`);
  }
  return [...found].sort();
}

function viaAutomaton(automaton: AhoCorasick, text: string): string[] {
  const found: string[] = [];
  automaton.forEachMatch(text, (start, end) => found.push(`${start}:${end}`));
  return found.sort();
}

// A tiny alphabet makes overlaps, shared prefixes and suffix chains common.
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '😀'), minLength: 0, maxLength: 6 });

describe('AhoCorasick', () => {
  it.each([
    ['all states dense', undefined],
    ['only the root dense', 1],
    ['a few dense states', 24],
  ])('finds exactly the occurrences a naive search finds (%s)', (_, denseBudget) => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '😀', 'x'), maxLength: 60 }), (terms, text) => {
        const automaton = new AhoCorasick(terms, denseBudget === undefined ? {} : { denseBudget });
        expect(viaAutomaton(automaton, text)).toEqual(naive(terms, text));
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ['all states dense', undefined],
    ['only the root dense', 1],
    ['a few dense states', 24],
  ])('run inside foldScan, visits what forEachMatchIn visits over the folded units, and says which unit (%s)', (_, denseBudget) => {
    const unit = fc.constantFrom('a', 'B', 'c', ' ', '\n', 'é', 'ß', '😀', '\u200b', 'ｃ', '\ud800', '\ufdfa', '\u00a8');
    fc.assert(
      fc.property(fc.array(fc.string({ unit, minLength: 1, maxLength: 5 }), { maxLength: 12 }), fc.string({ unit, maxLength: 80 }), (raw, text) => {
        const terms = raw.map((t) => foldUnits(t)).map((f) => String.fromCharCode(...f.units.subarray(0, f.length)));
        const automaton = new AhoCorasick(terms, { payloadOf: (t) => t.length, ...(denseBudget === undefined ? {} : { denseBudget }) });
        const stops = foldScan(text, automaton.tables)!;
        const plain = foldUnits(text);
        const fused: string[] = [];
        for (let j = 0; j < stops.length; j += STOP_STRIDE) {
          const [end, at, nth] = [stops[j]!, stops[j + 1]!, stops[j + 2]!];
          // The unit the stop names is the one just read: the nth that code point produced.
          expect(plain.map[end - 1]).toBe(at);
          expect(plain.map.indexOf(at) + nth).toBe(end - 1);
          automaton.forEachMatchAt(stops[j + 3]!, end, (start, e, payload) => fused.push(`${start}:${e}:${payload}`));
        }
        const separate: string[] = [];
        automaton.forEachMatchIn(plain.units, plain.length, (start, end, payload) => separate.push(`${start}:${end}:${payload}`));
        expect(fused).toEqual(separate);
      }),
      { numRuns: 400 },
    );
  });

  it('reports matches in end order, longest first at the same end, with the term payload', () => {
    const automaton = new AhoCorasick(['he', 'she', 'hers'], { payloadOf: (t) => t.length });
    const seen: Array<[number, number, number]> = [];
    automaton.forEachMatch('ushers', (start, end, payload) => seen.push([start, end, payload]));
    expect(seen).toEqual([
      [1, 4, 3],
      [2, 4, 2],
      [2, 6, 4],
    ]);
  });

  it('ignores duplicate and empty terms', () => {
    const automaton = new AhoCorasick(['ab', 'ab', '']);
    expect(viaAutomaton(automaton, 'abab')).toEqual(['0:2', '2:4']);
  });
});
