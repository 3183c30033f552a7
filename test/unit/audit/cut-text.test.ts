import { describe, expect, it } from 'vitest';
import { toRow, truncate } from '../../../src/audit/record.js';
import { makeRecord } from '../spool/support.js';

describe('a prompt cut where it was built', () => {
  const whole = 'naïve \uD800 😀 text\u0000 '.repeat(5_000);

  it('is kept as the whole text would be', () => {
    for (const max of [1, 10, 999, 1_000, 1_001, whole.length - 1, whole.length, whole.length + 1]) {
      for (const at of [max, max + 1, max + 500]) {
        const head = whole.slice(0, at);
        expect(truncate(head, max, whole.length)).toBe(truncate(whole, max));
      }
    }
    const r = makeRecord({ prompt: whole });
    const cut = makeRecord({ ...r, prompt: whole.slice(0, 1_000), promptChars: whole.length });
    expect(toRow(cut, 1_000)).toEqual(toRow(r, 1_000));
  });

  it('refuses to be kept longer than it was cut', () => {
    expect(() => truncate(whole.slice(0, 100), 200, whole.length)).toThrow(RangeError);
  });
});
