// Inputs built to make a matcher backtrack, re-scan or loop: every sync detector must get
// through each of them (the test timeout is the only clock; no timing is asserted).
import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../../../src/filters/detectors/index.js';

const MB = 1_000_000;
const INPUTS: Array<[string, string]> = [
  ['a digit run', '9'.repeat(MB)],
  ['spaced digits', '9 '.repeat(MB / 2)],
  ['dashed digits', '4-'.repeat(MB / 2)],
  ['dotted digits', '1.'.repeat(MB / 2)],
  ['colons and hex', 'a:'.repeat(MB / 2)],
  ['double colons', 'ab::'.repeat(MB / 4)],
  ['at signs', 'a@'.repeat(MB / 2)],
  ['a long local part', `${'a'.repeat(MB)}@example.com`],
  ['a long domain', `a@${'b.'.repeat(MB / 2)}`],
  ['upper-case letters', 'A'.repeat(MB)],
  ['JWT-like prefixes', 'eyJ.'.repeat(MB / 4)],
  ['key prefixes', 'sk-ghp_AKIA'.repeat(MB / 11)],
  ['an unterminated private key', `-----BEGIN RSA PRIVATE KEY-----\n${'QUJD\n'.repeat(MB / 5)}`],
  ['an assignment with a huge value', `password=${'x9'.repeat(MB / 2)}`],
  ['repeated assignments', 'token=a;'.repeat(MB / 8)],
  ['combining marks', `a${'\u0301'.repeat(MB)}`],
  ['zero-width spaces', '\u200B'.repeat(MB)],
  ['astral characters', '😀'.repeat(MB / 2)],
  ['lone surrogates', '\uD800a'.repeat(MB / 2)],
  // A phone number's extension patterns backtrack over commas: a window must not hold them all.
  ['a number and a million commas', `call 2025550173${','.repeat(MB)} ok`],
  ['numbers each before a thousand commas', `2025550173${','.repeat(1000)}`.repeat(MB / 1010)],
  ['a number and words an extension is written with', `2025550173 ${'extension '.repeat(MB / 10)}`],
];

const OPTIONS: Record<string, unknown> = {
  keywords: { keywords: ['aaa', 'a a', '9 9 9', 'abab', '😀😀'], match: 'substring' },
  regex: { pattern: '(a+)+$|(x+x+)+y|(9|99)+!' },
};

for (const detector of DETECTORS) {
  if (detector.examples.positive.length === 0) continue; // service-backed
  describe(`${detector.id} on adversarial input`, () => {
    const options = detector.options.parse(OPTIONS[detector.id] ?? detector.examples.positive[0]!.options ?? {});
    const scanner = detector.create(options);
    it.each(INPUTS)('%s', (_, text) => {
      if (scanner.kind !== 'sync') throw new Error('expected a sync detector');
      const spans = scanner.scan(text);
      // One assertion for all spans: expect() per span would dominate the run time.
      expect(spans.every((s, i) => s.start < s.end && s.end <= text.length && (i === 0 || spans[i - 1]!.end <= s.start))).toBe(true);
    });
  });
}
