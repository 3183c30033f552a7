import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { pendingDigitRun } from './lib/pending.js';
import { isAsciiAlnum } from './lib/word-chars.js';
import { readingPastInvisible } from './lib/invisible.js';

// A nine-digit number is everywhere (ids, amounts, ZIP+4 without the dash), so an SSN
// needs the printed 3-2-4 shape with one consistent separator, or, written as nine bare
// digits, a label such as "SSN" or "social security number" just before it.
//
// Both forms start at the first digit of a run of digits, so one cheap pass finds those
// starts (CANDIDATE: the lookbehind, after the first digit, skips digits inside a run), and
// each is then read by the two forms anchored there. Bounded throughout, so linear (see
// lib/matches.ts).
const CANDIDATE = /\d(?<![0-9].)\d{2}[- ]?\d{2}[- ]?\d{4}/g;
/** The printed form at a candidate, not glued to a letter or digit on either side. */
const PRINTED = /(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})(?![0-9A-Za-z])/y;
/** Nine bare digits at a candidate, followed by no letter or digit. */
const BARE = /\d{9}(?![0-9A-Za-z])/y;
/** A label (itself not glued to a letter or digit) that nine bare digits may follow. */
const LABEL = /(?<![0-9A-Za-z])(?:ssn|ss#|social[ -]security(?:[ -](?:number|no\.?|#))?)\s{0,3}(?:is|:|#|=)?\s{0,3}$/i;
/** Longer than any label with its spaces: the text before a candidate that LABEL reads. */
const LABEL_REACH = 40;

/** The SSN that starts at `at` (the first digit of a run), as [start, end), or null. */
function ssnAt(text: string, at: number): [number, number] | null {
  PRINTED.lastIndex = at;
  if (!isAsciiAlnum(text.charCodeAt(at - 1)) && PRINTED.test(text)) return [at, at + 11];
  BARE.lastIndex = at;
  if (BARE.test(text) && LABEL.test(text.slice(Math.max(0, at - LABEL_REACH), at))) return [at, at + 9];
  return null;
}

/**
 * The reported span is the number (11 characters at most), but the label has to be seen with
 * it: "social security number" plus punctuation plus nine digits fits in this.
 */
const MAX_LENGTH = 48;

/** SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000. */
function issuable(digits: string): boolean {
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}

const options = z.strictObject({});
type SsnOptions = z.output<typeof options>;

function create(): SyncScanner {
  return {
    kind: 'sync',
    maxMatchLength: MAX_LENGTH,
    // The reported span is the number, the last part of a match: one in progress, or one
    // that the next character could cancel, has its digits in the run that ends the text
    // (a label being typed has no digits yet, and nothing of it is reported).
    pendingFrom: pendingDigitRun,
    scan(text: string): Span[] {
      const spans: Span[] = [];
      CANDIDATE.lastIndex = 0;
      for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
        const found = ssnAt(text, m.index);
        // Not an SSN: go on right after its first digit, as one pass of a whole pattern would
        // (the lookbehind then skips the rest of the run).
        if (found === null) {
          CANDIDATE.lastIndex = m.index + 1;
          continue;
        }
        CANDIDATE.lastIndex = found[1];
        const digits = text.slice(found[0], found[1]).replace(/[ -]/g, '');
        if (issuable(digits)) spans.push({ start: found[0], end: found[1] });
      }
      return spans;
    },
  };
}

export const ssn: Detector<SsnOptions> = {
  id: 'ssn',
  description: 'US social security numbers (3-2-4 with dashes or spaces, or nine digits after an SSN label)',
  options,
  create: () => readingPastInvisible(create()),
  examples: {
    positive: [
      { text: 'My SSN is 536-22-1234.', matches: ['536-22-1234'] },
      { text: 'SSN 536\u00ad-22-\u200b1234 (soft hyphen, zero-width space)', matches: ['536\u00ad-22-\u200b1234'] },
      { text: 'ssn 078 05 1121 on file', matches: ['078 05 1121'] },
      { text: 'Social Security Number: 219099998', matches: ['219099998'] },
      { text: 'SSN#123456780 and ss# 234567891', matches: ['123456780', '234567891'] },
      { text: 'employees: 123-45-6789, 555-12-3456', matches: ['123-45-6789', '555-12-3456'] },
    ],
    negative: [
      { text: 'area 000-12-3456, 666-12-3456 and 912-34-5678 are never issued' },
      { text: 'group 123-00-4567 and serial 123-45-0000 are invalid' },
      { text: 'order id 536221234 and ZIP 12345-6789' },
      { text: 'call 555-123-4567 or 123 456 7890' },
      { text: 'mixed separators 536-22 1234 and 536 22-1234' },
      { text: 'part 1536-22-12345 is longer' },
    ],
  },
};
