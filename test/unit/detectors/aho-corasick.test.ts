import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick } from '../../../src/filters/detectors/lib/aho-corasick.js';

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
