// RE2 on a Buffer (byte offsets, turned back into UTF-16 ones) must find exactly what the
// same pattern finds on the string.
import { describe, expect, it } from 'vitest';
import { compileScanner, forEachMatch, groupSpan } from '../../../src/filters/detectors/lib/matches.js';
import { forEachRe2Match, utf8Of, Utf8Text } from '../../../src/filters/detectors/lib/utf8.js';

const PIECES = ['a', 'Z', ' ', '\n', '9', '.', 'é', 'ß', '中文', '😀', 'x\u0301', '\u200B', 'ｐ', 'ab12', '-', '\uFFFD'];
/** Lone surrogates: such a text is scanned as a string. */
const ILL_FORMED = ['\uD800', '\uDC00'];

function randomText(seed: number, length: number, pieces = PIECES): string {
  let state = seed;
  let text = '';
  while (text.length < length) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    text += pieces[state % pieces.length];
  }
  return text;
}

function onString(pattern: string, text: string): string[] {
  const re = compileScanner(pattern);
  const out: string[] = [];
  forEachMatch(re, text, (m) => out.push(`${m.index}-${m.index + m[0].length}:${JSON.stringify(groupSpan(m, 1))}`));
  return out;
}

function onBuffer(pattern: string, text: string): string[] {
  const re = compileScanner(pattern);
  const out: string[] = [];
  forEachRe2Match(re, text, (m) => out.push(`${m.start}-${m.end}:${JSON.stringify(m.group(1))}`));
  return out;
}

const PATTERNS = ['\\p{L}+', '.', '(\\d+)|x', 'a*', '\\b(\\w)\\w*\\b', '[^a-z]{2,5}', '\uFFFD+', '(😀)?.', '$', '(?s).{300}'];

describe('RE2 over UTF-8 bytes', () => {
  it.each(PATTERNS)('%s: same spans and groups as on the string', (pattern) => {
    for (let seed = 1; seed <= 20; seed++) {
      const text = randomText(seed, seed * 97);
      expect(onBuffer(pattern, text)).toEqual(onString(pattern, text));
      const illFormed = randomText(seed, seed * 31, [...PIECES, ...ILL_FORMED]);
      expect(onBuffer(pattern, illFormed)).toEqual(onString(pattern, illFormed));
    }
  });

  it('maps offsets across many chunks, forwards and backwards', () => {
    const text = randomText(7, 20_000);
    const utf8 = new Utf8Text(text);
    const offsets: Array<[number, number]> = [];
    let byte = 0;
    for (let unit = 0; unit < text.length; ) {
      offsets.push([byte, unit]);
      const cp = text.codePointAt(unit)!;
      const width = cp > 0xffff ? 2 : 1;
      byte += Buffer.byteLength(text.slice(unit, unit + width));
      unit += width;
    }
    offsets.push([byte, text.length]);
    expect(utf8.bytes.length).toBe(byte);
    for (const [b, u] of offsets) expect(utf8.unitAt(b)).toBe(u);
    for (const [b, u] of [...offsets].reverse()) expect(utf8.unitAt(b)).toBe(u);
  });

  it('shares one conversion within a synchronous run only', async () => {
    const text = 'é'.repeat(10_000);
    const first = utf8Of(text);
    expect(utf8Of(text)).toBe(first);
    await null;
    expect(utf8Of(text)).not.toBe(first);
  });
});
