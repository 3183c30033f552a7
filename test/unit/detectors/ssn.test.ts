import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ssn } from '../../../src/filters/detectors/ssn.js';

// The detector finds the starts of digit runs first and reads both forms there. It must find
// exactly what one pass of the whole pattern finds (as the detector did before), kept here
// as the reference.
const PATTERN =
  /(?<![0-9A-Za-z])(?:(\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})|(?:ssn|ss#|social[ -]security(?:[ -](?:number|no\.?|#))?)\s{0,3}(?:is|:|#|=)?\s{0,3}(\d{9}))(?![0-9A-Za-z])/dgi;

function reference(text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (const m of text.matchAll(PATTERN)) {
    const at = m.indices![1] ?? m.indices![2]!;
    const digits = text.slice(at[0], at[1]).replace(/[ -]/g, '');
    const area = Number(digits.slice(0, 3));
    if (area !== 0 && area !== 666 && area < 900 && Number(digits.slice(3, 5)) !== 0 && Number(digits.slice(5)) !== 0) found.push([at[0], at[1]]);
  }
  return found;
}

describe('ssn detector', () => {
  const scanner = ssn.create(ssn.options.parse({}));
  if (scanner.kind !== 'sync') throw new Error('ssn must be sync');
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('536-22-1234', '078 05 1121', '219099998', '123456780', '666-12-3456', '123-45-0000', '536-22 1234', '1536-22-12345', '123-456-7890') },
    { weight: 3, arbitrary: fc.stringMatching(/^[0-9]{1,12}$/) },
    { weight: 3, arbitrary: fc.constantFrom(' ', '  ', '-', '\n', ':', '#', '=', ', ', '.', '\t', 'is', ' is ') },
    { weight: 3, arbitrary: fc.constantFrom('SSN', 'ssn', 'Ss#', 'ss#', 'social security', 'Social-Security Number', 'social security no.', 'SOCIAL SECURITY #', 'x', 'my', 'order', 'é') },
  );
  const text = fc.array(token, { minLength: 1, maxLength: 14 }).map((t) => t.join(''));

  it('finds what one pass of the whole pattern finds', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(scanner.scan(t).map((s) => [s.start, s.end])).toEqual(reference(t));
      }),
      { numRuns: 3000 },
    );
  });
});
