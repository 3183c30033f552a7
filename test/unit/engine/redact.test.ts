import { describe, expect, it } from 'vitest';
import { applyRedactions, mergeSpans, redactionLabel } from '../../../src/filters/redact.js';
import { wellFormed } from './support.js';

const A = '[A]';
const B = '[B]';

describe('redactionLabel', () => {
  it('names the detector', () => {
    expect(redactionLabel('email')).toBe('[REDACTED:email]');
  });
});

describe('mergeSpans', () => {
  it('keeps touching spans apart, each with its own label', () => {
    expect(mergeSpans([{ start: 3, end: 5, label: B }, { start: 0, end: 3, label: A }])).toEqual([
      { start: 0, end: 3, label: A },
      { start: 3, end: 5, label: B },
    ]);
  });

  it('merges overlapping spans under the label of the one that starts first', () => {
    expect(mergeSpans([{ start: 2, end: 8, label: B }, { start: 0, end: 4, label: A }])).toEqual([{ start: 0, end: 8, label: A }]);
  });

  it('labels a merge by the outermost span when two start together, then by input order', () => {
    expect(mergeSpans([{ start: 0, end: 4, label: A }, { start: 0, end: 9, label: B }])).toEqual([{ start: 0, end: 9, label: B }]);
    expect(mergeSpans([{ start: 0, end: 4, label: A }, { start: 0, end: 4, label: B }])).toEqual([{ start: 0, end: 4, label: A }]);
  });

  it('merges chains and nested spans, drops empty ones', () => {
    expect(
      mergeSpans([
        { start: 0, end: 3, label: A },
        { start: 2, end: 5, label: B },
        { start: 4, end: 7, label: B },
        { start: 5, end: 6, label: B },
        { start: 9, end: 9, label: B },
      ]),
    ).toEqual([{ start: 0, end: 7, label: A }]);
  });
});

describe('applyRedactions', () => {
  it('returns the text unchanged without spans', () => {
    expect(applyRedactions('hello', [])).toBe('hello');
  });

  it('replaces adjacent spans separately and overlapping ones once', () => {
    const text = 'abcdefghij';
    expect(applyRedactions(text, [{ start: 1, end: 3, label: A }, { start: 3, end: 5, label: B }])).toBe('a[A][B]fghij');
    expect(applyRedactions(text, [{ start: 4, end: 8, label: B }, { start: 1, end: 5, label: A }])).toBe('a[A]ij');
  });

  it('handles spans at both ends and out of order', () => {
    expect(applyRedactions('abcdef', [{ start: 4, end: 6, label: B }, { start: 0, end: 2, label: A }])).toBe('[A]cd[B]');
  });

  it('clamps spans that run past the text', () => {
    expect(applyRedactions('abc', [{ start: 2, end: 99, label: A }, { start: -4, end: 1, label: B }])).toBe('[B]b[A]');
  });

  it('keeps surrogate pairs next to a span intact', () => {
    const text = 'x😀secret😀y';
    const start = text.indexOf('secret');
    expect(applyRedactions(text, [{ start, end: start + 6, label: A }])).toBe('x😀[A]😀y');
  });

  it('widens a span that would cut a surrogate pair in half, on either side', () => {
    const text = 'a😀b😀c';
    // 😀 is two UTF-16 units: a=0, 😀=1..2, b=3, 😀=4..5, c=6
    expect(applyRedactions(text, [{ start: 2, end: 3, label: A }])).toBe('a[A]b😀c');
    expect(applyRedactions(text, [{ start: 3, end: 5, label: A }])).toBe('a😀[A]c');
    const out = applyRedactions(text, [{ start: 2, end: 5, label: A }]);
    expect(out).toBe('a[A]c');
    expect(wellFormed(out)).toBe(true);
  });
});
