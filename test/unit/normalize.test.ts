import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize, toOriginalSpan } from '../../src/filters/normalize.js';

const fold = (text: string): string => normalize(text).text;

describe('normalize', () => {
  it.each([
    ['case', 'HeLLo', 'hello'],
    ['full-width', 'ＡＢＣ１２３', 'abc123'],
    ['ligatures and compatibility forms', 'ﬁle ① ²', 'file 1 2'],
    ['mathematical alphanumerics (astral)', '𝐁𝐚𝐝', 'bad'],
    ['precomposed diacritics', 'Crème brûlée', 'creme brulee'],
    ['combining diacritics', 'e\u0301e\u0300\u0336', 'ee'],
    ['zero-width, joiners, BOM, soft hyphen', 'a\u200Bb\u200Cc\u200Dd\u2060e\uFEFFf\u00ADg', 'abcdefg'],
    ['bidi controls and variation selectors', 'a\u202Eb\u2066c\uFE0Fd', 'abcd'],
    ['Cyrillic look-alikes', 'раураl', 'paypal'],
    ['Greek look-alikes', 'ΑΡΙ κεy', 'api key'],
    ['Armenian look-alikes', 'gօօgle', 'google'],
    ['dotted capital I keeps its length', 'İSTANBUL', 'istanbul'],
    ['sharp s folds to ss', 'Straße STRAẞE', 'strasse strasse'],
    ['final sigma folds to sigma', 'ΛΟΓΟΣ λόγος', 'λoyoσ λoyoσ'],
    ['whitespace runs collapse to one space', 'a \t\n b\u00A0\u2003c', 'a b c'],
    ['Arabic harakat and tatweel', 'كَتَـــبَ', 'كتب'],
    ['CJK is untouched', '机密项目', '机密项目'],
    ['lone surrogates survive', 'a\uD800b', 'a\uD800b'],
  ])('%s', (_, input, expected) => {
    expect(fold(input)).toBe(expected);
  });

  it('maps every folded character to the original code point it came from', () => {
    const original = 'Ａ\u200B𝐁ﬁé';
    const { text, map } = normalize(original);
    expect(text).toBe('abfie');
    expect([...map]).toEqual([0, 2, 4, 4, 5, original.length]);
  });

  it('maps a span back over invisible characters inside it and diacritics after it', () => {
    const original = 'x b\u200Ba\u00ADd\u0301\u0308 y';
    const { text, map } = normalize(original);
    const start = text.indexOf('bad');
    expect(toOriginalSpan(map, start, start + 3, original)).toEqual({ start: 2, end: 9 });
  });

  it('covers a whole code point when a span ends inside its expansion', () => {
    const original = 'ﬁ𝐱';
    const { map } = normalize(original);
    expect(toOriginalSpan(map, 0, 1, original)).toEqual({ start: 0, end: 1 });
    expect(toOriginalSpan(map, 2, 3, original)).toEqual({ start: 1, end: 3 });
  });

  it('rejects empty or out-of-range spans', () => {
    const { map } = normalize('abc');
    expect(() => toOriginalSpan(map, 1, 1, 'abc')).toThrow(RangeError);
    expect(() => toOriginalSpan(map, 0, 4, 'abc')).toThrow(RangeError);
  });

  it('has a monotonic map whose spans stay inside the original, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 40 }), (original) => {
        const { text, map } = normalize(original);
        expect(map.length).toBe(text.length + 1);
        expect(map[text.length]).toBe(original.length);
        for (let i = 1; i < map.length; i++) expect(map[i]!).toBeGreaterThanOrEqual(map[i - 1]!);
        for (let i = 0; i < text.length; i++) {
          const span = toOriginalSpan(map, i, i + 1, original);
          expect(span.start).toBeLessThan(span.end);
          expect(span.end).toBeLessThanOrEqual(original.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('folds a text the same whether whole or split at a code point boundary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }), (a, b) => {
        const whole = fold(a + b);
        const parts = fold(a) + fold(b);
        // Only a space run across the seam may differ.
        expect(whole.replace(/ +/g, ' ')).toBe(parts.replace(/ +/g, ' '));
      }),
      { numRuns: 300 },
    );
  });

  it('handles 4 MB of mostly ASCII text', () => {
    const line = 'The Quick brown fox, 42 times; naïve café.\n';
    const original = line.repeat(Math.ceil(4_000_000 / line.length));
    const { text, map } = normalize(original);
    expect(text.length).toBe(original.length);
    expect(text.startsWith('the quick brown fox, 42 times; naive cafe. the')).toBe(true);
    expect(map[text.length]).toBe(original.length);
  });
});
