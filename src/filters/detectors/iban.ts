import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { forEachMatch } from './lib/matches.js';
import { readingPastInvisible } from './lib/invisible.js';

// Country code, two check digits, then the BBAN, printed in groups of four or not at all.
// The candidate may run on into the next word; the country's IBAN length says where the
// IBAN ends, and ISO 7064 mod-97 decides. The next candidate is looked for right after the
// IBAN, or, when there is none, right after the candidate's start: a candidate that runs on
// must not hide an IBAN that begins inside it (`ref AB12 then GB29…`, two IBANs in a row).
// So a match depends only on the 70 or so characters from its start, which is also what a
// stream filter's window needs. Bounded and unambiguous: linear (see lib/matches.ts),
// at most a candidate's length (64) of work per place a candidate may start.
const CANDIDATE = /(?<![0-9A-Za-z])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}/g;

/**
 * Every text that more text could turn into a CANDIDATE (its prefixes, with the group count
 * read as up to 30), anchored at the end. A candidate can still change only while it runs to
 * the end (a longer one may be read, the IBAN may end where a word goes on), so the earliest
 * such prefix is where the undecided tail begins.
 */
const CANDIDATE_PREFIX = /(?<![0-9A-Za-z])[A-Za-z](?:[A-Za-z](?:\d(?:\d(?: ?[A-Za-z0-9]){0,30} ?)?)?)?$/g;

function pendingFrom(text: string, from: number): number {
  CANDIDATE_PREFIX.lastIndex = from;
  const found = CANDIDATE_PREFIX.exec(text);
  return found === null ? text.length : found.index;
}

/** 34 characters with a space between every two at most. */
const MAX_LENGTH = 34 * 2 - 1;

/** IBAN length per country (SWIFT IBAN registry). */
const LENGTHS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
    BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
    ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
    HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20,
    LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19,
    MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29,
    PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24,
    SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
    YE: 30,
  }),
);

/** ISO 7064 MOD 97-10 on an upper-case IBAN without spaces. */
function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    // Letters count as two digits (A = 10 ... Z = 35).
    if (c >= 65) remainder = (remainder * 100 + (c - 55)) % 97;
    else remainder = (remainder * 10 + (c - 48)) % 97;
  }
  return remainder === 1;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The IBAN at the start of `candidate`, as an end offset in it, or -1. */
function ibanEnd(candidate: string): number {
  const expected = LENGTHS.get(candidate.slice(0, 2).toUpperCase());
  if (expected === undefined) return -1;
  let compact = '';
  let end = 0;
  while (end < candidate.length && compact.length < expected) {
    if (candidate.charCodeAt(end) !== 32) compact += candidate[end];
    end++;
  }
  if (compact.length !== expected) return -1;
  return ibanChecksumValid(compact.toUpperCase()) ? end : -1;
}

const options = z.strictObject({});
type IbanOptions = z.output<typeof options>;

function create(): SyncScanner {
  return {
    kind: 'sync',
    maxMatchLength: MAX_LENGTH,
    pendingFrom,
    scan(text: string): Span[] {
      const spans: Span[] = [];
      forEachMatch(CANDIDATE, text, (m) => {
        CANDIDATE.lastIndex = m.index + 1;
        const end = ibanEnd(m[0]);
        if (end < 0) return;
        // The IBAN must end where a group ends, not inside a longer code.
        const after = m.index + end;
        if (after < text.length && isAlnum(text.charCodeAt(after))) return;
        spans.push({ start: m.index, end: after });
        CANDIDATE.lastIndex = after;
      });
      return spans;
    },
  };
}

export const iban: Detector<IbanOptions> = {
  id: 'iban',
  description: 'International bank account numbers (country length and mod-97 checksum)',
  options,
  create: () => readingPastInvisible(create()),
  examples: {
    positive: [
      { text: 'Pay to DE89 3704 0044 0532 0130 00 by Friday.', matches: ['DE89 3704 0044 0532 0130 00'] },
      { text: 'IBAN: GB29NWBK60161331926819', matches: ['GB29NWBK60161331926819'] },
      { text: 'IBAN GB29\u2060NWBK\u2060601613\u2060319268\u206019 (word joiners)', matches: ['GB29\u2060NWBK\u2060601613\u2060319268\u206019'] },
      { text: 'FR14 2004 1010 0505 0001 3M02 606 / NL91ABNA0417164300', matches: ['FR14 2004 1010 0505 0001 3M02 606', 'NL91ABNA0417164300'] },
      { text: 'Swiss account CH93 0076 2011 6238 5295 7 REF 42', matches: ['CH93 0076 2011 6238 5295 7'] },
      { text: 'lower case: es91 2100 0418 4502 0005 1332', matches: ['es91 2100 0418 4502 0005 1332'] },
      { text: 'ref AB12 then GB29NWBK60161331926819', matches: ['GB29NWBK60161331926819'] },
      { text: 'NL91ABNA0417164300 DE89 3704 0044 0532 0130 00', matches: ['NL91ABNA0417164300', 'DE89 3704 0044 0532 0130 00'] },
    ],
    negative: [
      { text: 'Bad checksum DE88 3704 0044 0532 0130 00' },
      { text: 'Too short DE89 3704 0044 0532 0130' },
      { text: 'Unknown country ZZ89 3704 0044 0532 0130 00' },
      { text: 'Serial AB12CDEF3456GHIJ789 and part no. XY00 1234 5678 9012' },
      { text: 'GB29NWBK6016133192681900 has extra digits' },
    ],
  },
};
