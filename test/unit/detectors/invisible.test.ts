// The invisible characters detectors read past: exactly Unicode's Default_Ignorable_Code_Point,
// and spans found without them map back onto the original.
import { describe, expect, it } from 'vitest';
import { INVISIBLE_CLASS, originalSpan, stripInvisible, strippedOffset } from '../../../src/filters/detectors/lib/invisible.js';

describe('invisible characters', () => {
  it('are exactly the Default_Ignorable_Code_Point set, for every code point', () => {
    const ours = new RegExp(`^${INVISIBLE_CLASS}$`, 'u');
    const unicode = /^\p{Default_Ignorable_Code_Point}$/u;
    const differ: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (ours.test(ch) !== unicode.test(ch)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
  });

  it('are taken out, and spans and offsets map back, astral ones included', () => {
    const text = 'a\u200bb\u{e0001}cd\ufe0f';
    const bare = stripInvisible(text)!;
    expect(bare.text).toBe('abcd');
    expect(originalSpan(bare, { start: 1, end: 3 })).toEqual({ start: 2, end: 6 });
    expect(strippedOffset(bare, 2)).toBe(1);
    expect(strippedOffset(bare, 3)).toBe(2);
    expect(stripInvisible('plain text')).toBeNull();
  });
});
