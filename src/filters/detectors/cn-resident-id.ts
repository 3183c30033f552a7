import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { forEachMatch } from './lib/matches.js';
import { isDigit, trailingRun } from './lib/pending.js';
import { readingPastInvisible } from './lib/invisible.js';

// GB 11643-1999 citizen identity number: 6-digit address code, 8-digit birth date,
// 3-digit sequence, ISO 7064 MOD 11-2 check character (0-9 or X). The older 15-digit form
// (no checksum, two-digit year) is not matched: without a checksum it is any 15-digit number.
// Fixed length, so linear (see lib/matches.ts); CJK text may touch it, ASCII letters may not.
const CANDIDATE = /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])/g;

const LENGTH = 18;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** First two digits: the provinces, municipalities and regions GB/T 2260 assigns. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51,
  52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
]);

function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** A real calendar date from 1900 up to today (nobody is born in the future). */
function plausibleBirthDate(yyyymmdd: string, today: Date): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real && year >= 1900 && date.getTime() <= today.getTime();
}

function isResidentId(id: string, today: Date): boolean {
  return (
    PROVINCES.has(Number(id.slice(0, 2))) &&
    plausibleBirthDate(id.slice(6, 14), today) &&
    checkCharacter(id) === id[17]!.toUpperCase()
  );
}

/**
 * A candidate in progress, or one the next character could cancel, is the run of digits
 * (and one check character X) that ends the text: undecided from its first digit.
 */
function pendingFrom(text: string, from: number): number {
  const last = text.charCodeAt(text.length - 1);
  const digitsEnd = text.length > from && (last === 88 || last === 120) ? text.length - 1 : text.length;
  const start = trailingRun(text.slice(0, digitsEnd), from, isDigit);
  return start < digitsEnd ? start : text.length;
}

const options = z.strictObject({});
type CnResidentIdOptions = z.output<typeof options>;

function create(): SyncScanner {
  return {
    kind: 'sync',
    maxMatchLength: LENGTH,
    pendingFrom,
    scan(text: string): Span[] {
      const spans: Span[] = [];
      const today = new Date();
      forEachMatch(CANDIDATE, text, (m) => {
        if (isResidentId(m[0], today)) spans.push({ start: m.index, end: m.index + LENGTH });
      });
      return spans;
    },
  };
}

export const cnResidentId: Detector<CnResidentIdOptions> = {
  id: 'cn_resident_id',
  description: 'Chinese resident identity card numbers (18 characters, GB 11643 checksum, real birth date)',
  options,
  create: () => readingPastInvisible(create()),
  examples: {
    positive: [
      { text: '身份证号：11010519491231002X', matches: ['11010519491231002X'] },
      { text: 'ID 440306199003071232, backup 32010219780615432x', matches: ['440306199003071232', '32010219780615432x'] },
      { text: '客户 310115198511115678 已登记', matches: ['310115198511115678'] },
      { text: 'born 2000-12-29: 510107200012290014', matches: ['510107200012290014'] },
    ],
    negative: [
      { text: 'wrong check digit 110105194912310021' },
      { text: 'February 30th: 110105194902300021 and 11010519490230002X' },
      { text: 'no such province 991051949123100231' },
      { text: 'inside a longer number 1101051949123100212345' },
      { text: 'order 123456789012345678 and phone 13800138000' },
    ],
  },
};
