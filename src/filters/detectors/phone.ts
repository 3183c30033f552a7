import { findNumbers, isSupportedCountry, Metadata, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { forEachMatch } from './lib/matches.js';
import { firstIn, isDigit, trailingRun } from './lib/pending.js';

// libphonenumber-js judges phone numbers well (country plans, extensions, what may touch
// a number) but reads the whole text in JavaScript: 250-450 ms for 4 MB. A cheap regex pass
// (bounded, separators and digits disjoint: linear, see lib/matches.ts) first finds the
// places where seven or more digits sit close together; those that cannot be a number (a
// date, a dotted quad, a digit count the plan does not allow, glued to letters) are
// dropped, and only a small window around each of the rest goes to the library.
const CANDIDATE = /\+?\d(?:[ \-.()/\u00a0]{0,3}\d){6,40}/g;
const DATE = /^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{4})$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** An international number has a 1-3 digit country code and at most 15 digits. */
const INTERNATIONAL_DIGITS = { min: 7, max: 15 };
/** Room for a trunk prefix (0, 1) or an international call prefix (00, 011, 8~10) at home. */
const NATIONAL_PREFIX_ROOM = 4;

/**
 * Context given to the library around a candidate: room for `(`, `tel:` and `ext. 1234`.
 * The library's time grows with the window (about 100 µs for this size), so it stays small.
 */
const CONTEXT = 16;

/** E.164 allows 15 digits; with punctuation and an extension a real number stays below this. */
const MAX_LENGTH = 64;

const options = z.strictObject({
  /** Country assumed for numbers written without `+` and a country code (ISO 3166 alpha-2). */
  default_country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code such as US')
    .refine((code) => isSupportedCountry(code), 'country not known to libphonenumber')
    .default('US'),
});

export type PhoneOptions = z.output<typeof options>;

interface DigitRange {
  readonly min: number;
  readonly max: number;
}

/** How many digits a number dialled at home can have in `country`. */
function nationalDigits(country: CountryCode): DigitRange {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(country);
  const lengths = metadata.numberingPlan?.possibleLengths() ?? [];
  if (lengths.length === 0) return { min: 4, max: 17 };
  return { min: Math.min(...lengths), max: Math.max(...lengths) + NATIONAL_PREFIX_ROOM };
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Cheap reasons a candidate cannot be a phone number, checked before the library runs. */
function plausible(text: string, start: number, end: number, national: DigitRange): boolean {
  if (isLetter(text.charCodeAt(start - 1)) || isLetter(text.charCodeAt(end))) return false;
  const candidate = text.slice(start, end);
  if (DATE.test(candidate) || DOTTED_QUAD.test(candidate)) return false;
  let digits = 0;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  const range = candidate.startsWith('+') ? INTERNATIONAL_DIGITS : national;
  return digits >= range.min && digits <= range.max;
}

/** Candidate regions, each widened by the context and merged when they touch. */
function windows(text: string, national: DigitRange): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  forEachMatch(CANDIDATE, text, (m) => {
    if (!plausible(text, m.index, m.index + m[0].length, national)) return;
    const from = Math.max(0, m.index - CONTEXT);
    const to = Math.min(text.length, m.index + m[0].length + CONTEXT);
    const last = merged[merged.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  });
  return merged;
}

/** What a candidate is made of: digits, `+` and the separators CANDIDATE allows. */
function isCandidateUnit(c: number): boolean {
  return isDigit(c) || c === 43 || c === 32 || c === 45 || c === 46 || c === 40 || c === 41 || c === 47 || c === 0xa0;
}

/** `(`, `[`, `+` and their full-width forms: where the library may start a number. */
function isOpening(c: number): boolean {
  return c === 40 || c === 91 || c === 43 || c === 0xff08 || c === 0xff3b || c === 0xff0b;
}

const NON_ASCII_DIGIT = /^\p{Nd}$/u;
const NON_ASCII_WORD = /^[\p{L}\p{N}]$/u;

/** Any decimal digit: the library reads full-width and other scripts' digits too. */
function isAnyDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x80 && NON_ASCII_DIGIT.test(String.fromCharCode(c)));
}

function isLetterOrDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0x80 && NON_ASCII_WORD.test(String.fromCharCode(c)));
}

/**
 * Where a number could still change. The library reads a window around each candidate, so
 * besides the candidate in progress (the run of candidate characters that ends the text,
 * from its first digit or `+`), more text can change: any window that a new candidate's
 * window would merge with, or that is cut off by the end (its numbers are re-read), and
 * the CONTEXT before a new candidate, where the library could find a number that no
 * candidate revealed yet (it has a digit there, or an opening bracket followed by
 * punctuation only).
 */
function pendingFrom(text: string, from: number, national: DigitRange): number {
  const end = text.length;
  const candidate = firstIn(text, trailingRun(text, from, isCandidateUnit), end, (c) => isDigit(c) || c === 43);
  const context = Math.max(from, candidate - CONTEXT);
  let pending = candidate;
  for (let i = context; i < candidate; i++) {
    const c = text.charCodeAt(i);
    if (isAnyDigit(c)) {
      pending = i;
      break;
    }
    if (isOpening(c)) {
      const next = firstIn(text, i + 1, candidate, isLetterOrDigit);
      if (next === candidate || isAnyDigit(text.charCodeAt(next))) {
        pending = i;
        break;
      }
    }
  }
  // Windows are merged and in order: the first that reaches the context is the earliest.
  for (const [start, stop] of windows(text.slice(from), national)) {
    if (from + stop >= context) return Math.min(pending, from + start);
  }
  return pending;
}

function create(opts: PhoneOptions): SyncScanner {
  const defaultCountry = opts.default_country as CountryCode;
  const national = nationalDigits(defaultCountry);
  return {
    kind: 'sync',
    maxMatchLength: MAX_LENGTH,
    pendingFrom: (text, from) => pendingFrom(text, from, national),
    scan(text: string): Span[] {
      const spans: Span[] = [];
      for (const [from, to] of windows(text, national)) {
        const slice = text.slice(from, to);
        for (const found of findNumbers(slice, { defaultCountry, v2: true })) {
          // A window edge can cut through a number; the library then sees a fragment that
          // touches the edge. Only whole numbers inside the window are trusted.
          if ((found.startsAt === 0 && from > 0) || (found.endsAt === slice.length && to < text.length)) continue;
          if (found.endsAt - found.startsAt > MAX_LENGTH) continue;
          spans.push({ start: from + found.startsAt, end: from + found.endsAt });
        }
      }
      return spans;
    },
  };
}

export const phone: Detector<PhoneOptions> = {
  id: 'phone',
  description: 'Phone numbers valid for their country (libphonenumber), international or in the default country',
  options,
  create,
  examples: {
    positive: [
      { text: 'Call me at (415) 555-2671 tomorrow.', matches: ['(415) 555-2671'] },
      { text: 'UK office: +44 20 7946 0958, Paris +33 1 42 68 53 00', matches: ['+44 20 7946 0958', '+33 1 42 68 53 00'] },
      { text: 'mobile +86 138 0013 8000; Mumbai +91 98765 43210', matches: ['+86 138 0013 8000', '+91 98765 43210'] },
      { text: 'support: 415.555.2671 or 212-555-1234', matches: ['415.555.2671', '212-555-1234'] },
      { text: 'Tel. 030 901820', options: { default_country: 'DE' }, matches: ['030 901820'] },
      { text: 'dial +1-202-555-0173 ext. 12 for billing', matches: ['+1-202-555-0173 ext. 12'] },
    ],
    negative: [
      { text: 'Released on 2024-01-15, build 2024.02.20' },
      { text: 'server 192.168.100.200 port 8080' },
      { text: 'card 4111 1111 1111 1111 and SSN 123-45-6789' },
      { text: 'timestamp 1700000000 and id 1234567890' },
      { text: 'x+86 138 0013 8000y is glued to letters' },
      { text: 'total: 1,234,567.89 USD' },
    ],
  },
};
