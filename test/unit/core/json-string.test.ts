// jsonString must write exactly what JSON.stringify writes, for every string: its text
// goes into spool lines and into the canonical form that the hash chain signs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonString } from '../../../src/json-string.js';

/** Characters that take each path: plain, the fixed-character escapes, rare controls, surrogates. */
const TRICKY = fc.constantFrom('a', ' ', 'Z', '"', '\\', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '🙂', '\ud800', '\udfff', '/');

describe('jsonString', () => {
  it('is JSON.stringify for strings of any code units', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }), { numRuns: 1000 });
  });

  it('is JSON.stringify for strings mixing every kind of escape', () => {
    fc.assert(fc.property(fc.array(TRICKY, { maxLength: 40 }).map((a) => a.join('')), (s) => {
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }), { numRuns: 5000 });
  });

  it('is JSON.stringify for long prose with line breaks, quotes and tabs', () => {
    const text = `${'The quick "brown" fox\tjumps over C:\\path\r\n'.repeat(200)}end`;
    expect(jsonString(text)).toBe(JSON.stringify(text));
    expect(jsonString('')).toBe('""');
  });
});
