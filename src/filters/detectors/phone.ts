import { findNumbers, getCountries, getCountryCallingCode, isSupportedCountry, Metadata, type CountryCode, type NumberingPlan } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { isIpv4Address } from './ip-address.js';
import { firstIn, trailingRun } from './lib/pending.js';
import { readingPastInvisible } from './lib/invisible.js';

// libphonenumber-js judges phone numbers well (country plans, extensions, what may touch a
// number) but reads the whole text in JavaScript: 250-450 ms for 4 MB, most of it on digits
// that cannot be a number. So a cheap pass finds the places where the library could find
// one, and only a window around each goes to the library. What it finds there is what it
// finds in the whole text (test/unit/detectors/phone.test.ts compares the two on random
// texts for several countries), but for three things: a finding longer than a number can
// be (64 characters: padding before an extension) is reported as pieces of that length; a
// date (2024-01-15) or an IPv4 address is not reported; and a window stops 64 characters
// past its context inside a stretch of characters a candidate may hold (see REACH), where
// the library's time would grow with the square of the stretch. There the library may read
// what it sees differently: in a long row of small numbers separated by commas or
// semicolons it pairs each number with the next as its extension, from the start of the
// row, and a window cut inside the row may pair them the other way; a phone number at the
// end of such a row may then be missed or found where the whole text says otherwise.
//
// How the library reads a text: a candidate is up to 21 sequences of at most 20 digits of
// any script, joined by up to four punctuation characters, maybe led by brackets or `+` and
// followed by an extension ("ext. 12", "~12", ", 12"). It judges the candidate whole and,
// when that fails, the parts of it before and after its punctuation (Split), reading only
// ASCII, full-width and Arabic-Indic digits. A number has digits its plan allows: the
// national lengths (after a trunk prefix, or after the country code written without `+`),
// an international call prefix (011, 00) or a `+` and any country code. So a run of digits
// is sent when the whole or one of those parts has such digits (worthReading), and always
// when the library may read it otherwise: when it is longer than one candidate, or may
// continue what comes before it (other digits, an extension). A window reaches out to
// characters that no candidate can hold, so within its reach it cuts no candidate.

/** Digits the library reads: ASCII, full-width, Arabic-Indic and Eastern Arabic-Indic. */
const READ_DIGITS = '0-9\uff10-\uff19\u0660-\u0669\u06f0-\u06f9';
/** Punctuation the library allows between the blocks of a number (its VALID_PUNCTUATION). */
const PUNCTUATION = '\\-\u2010-\u2015\u2212\u30fc\uff0d\uff0f/\uff0e. \u00a0\u00ad\u200b\u2060\u3000()\uff08\uff09\uff3b\uff3d\\[\\]~\u2053\u223c\uff5e';
/** Opening brackets and `+`: what may lead a number, each followed by up to four punctuation characters, twice. */
const LEAD = '(\\[\uff08\uff3b+\uff0b';
/** What may stand between a `+` and the first digit: punctuation, and a second lead with its punctuation. */
const AFTER_PLUS = 9;
/** The library's candidate: at most this many sequences of digits, of at most SEQUENCE digits each. */
const MAX_SEQUENCES = 21;
const SEQUENCE = 20;
/**
 * Letters of the library's extension labels (ext, extn, extension, extensión, anexo, int,
 * доб and full-width forms) in every form its case-insensitive patterns (no `u` flag)
 * match: both cases, and U+1C81 and U+1C82, which they take for д and о.
 */
const LABEL_LETTERS =
  'adeinostxADEINOSTX\u00f3\u00d3\u0301\u0431\u0411\u0434\u0414\u043e\u041e\u1c81\u1c82\uff45\uff58\uff54\uff4e\uff49\uff25\uff38\uff34\uff2e\uff29';
/** What joins an extension to a number besides its label: spaces, tabs, commas, `;`, `;ext=`, `:`, dots, dashes, `#` and tildes. */
const JOINT_MARKS = ' \u00a0\t,;=:.\uff0e\\-#\uff03~\uff5e';

const PUNCTUATION_CLASS = new RegExp(`^[${PUNCTUATION}]$`);
const ASCII_PUNCTUATION = Array.from({ length: 128 }, (_, c) => PUNCTUATION_CLASS.test(String.fromCharCode(c)));

/** Whether the code unit is punctuation the library allows between the blocks of a number. */
function isPunctuation(c: number): boolean {
  return c < 128 ? ASCII_PUNCTUATION[c]! : PUNCTUATION_CLASS.test(String.fromCharCode(c));
}

const LEAD_OR_PUNCTUATION = new RegExp(`^[${PUNCTUATION}${LEAD}]$`);
/** A date: year (1900-2099), month and day in either order around it, with one kind of separator. */
const DATE = /^(?:(?:19|20)\d\d([-./ ])(\d{1,2})\1(\d{1,2})|(\d{1,2})([-./ ])(\d{1,2})\5(?:19|20)\d\d)$/;
/** A number after `+`: a country code of one to three digits and a national number of at most 17 digits (and a trunk prefix). */
const INTERNATIONAL_DIGITS = { min: 3, max: 3 + 17 + 8 } as const;
/** Room for a trunk prefix that the plan gives as a pattern rather than as digits (carrier codes, "0?…15"). */
const PATTERN_PREFIX_ROOM = { below: 2, above: 8 } as const;

/**
 * Context given to the library before a run: room for the leads, and the character it
 * looks at before a number. A window then reaches out to a character no candidate holds.
 */
const CONTEXT_BEFORE = 16;
/** After a run: the character the library looks at after a number, and more. */
const CONTEXT_AFTER = 16;

/**
 * E.164 allows 15 digits; with punctuation and an extension a real number stays below this.
 * A longer finding (padding before an extension) is reported as pieces of this length.
 */
const MAX_LENGTH = 64;
/**
 * After a run that an extension may follow ("ext. 12", "x 12", ";ext=12", ",,12"): room for
 * all of a number that a finding can hold.
 */
const CONTEXT_AFTER_EXTENSION = MAX_LENGTH + 1;
/**
 * What may begin an extension after a number's last block (the library's extension labels
 * and the characters it reads as one, after spaces, tabs, commas or dashes, or digits after
 * a comma or semicolon), or, at the end of the text, only such separators or the first
 * letters of a label: a stream may bring the rest.
 */
const EXTENSION_AHEAD = new RegExp(
  `^[ \\u00a0\\t,\\-]*(?:$|;ext=|[#\uff03~\uff5ex\uff58${READ_DIGITS}]|e?xt|\uff45?\uff58\uff54|\u0434\u043e\u0431|anexo|int|\uff49\uff4e\uff54|` +
    `(?:ex?|a|an|ane|anex|in?|\u0434\u043e?|\uff45\uff58?|\uff49\uff4e?|;e|;ex|;ext)$)|^[ \\u00a0\\t]*[,;]`,
  'i',
);

const options = z.strictObject({
  /** Country assumed for numbers written without `+` and a country code (ISO 3166 alpha-2). */
  default_country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code such as US')
    .refine((code) => isSupportedCountry(code), 'country not known to libphonenumber')
    .default('US'),
});

export type PhoneOptions = z.output<typeof options>;

/** The parts of a numbering plan the library reads national numbers by (not in its typings). */
interface ParsingRules extends NumberingPlan {
  nationalPrefixForParsing(): string | number | undefined;
  nationalPrefixTransformRule(): string | number | undefined;
}

/** What the digits of a number written in the default country may be. */
interface Plan {
  readonly callingCode: string;
  /** National number lengths of every country that shares the calling code. */
  readonly lengths: ReadonlySet<number>;
  readonly minLength: number;
  readonly maxLength: number;
  /** Trunk prefixes, as digits; null when the plan gives them as a pattern. */
  readonly prefixes: readonly string[] | null;
  /** The international call prefix at the start of a digit string. */
  readonly idd: RegExp;
  /** The fewest digits a run must have to hold a number written without `+`. */
  readonly minDigits: number;
}

function rulesOf(country: CountryCode): ParsingRules {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as ParsingRules | undefined;
  if (!plan || typeof plan.nationalPrefixForParsing !== 'function' || typeof plan.nationalPrefixTransformRule !== 'function') {
    throw new Error(`phone: libphonenumber-js no longer exposes the numbering plan of ${country} as expected`);
  }
  return plan;
}

/** The fewest digits of a national number in any country (a few have four-digit numbers). */
let shortestAnywhere: number | undefined;
function shortestNationalNumber(): number {
  shortestAnywhere ??= Math.min(...getCountries().flatMap((c) => rulesOf(c).possibleLengths()));
  return shortestAnywhere;
}

const plans = new Map<CountryCode, Plan>();

function planOf(country: CountryCode): Plan {
  let plan = plans.get(country);
  if (plan === undefined) {
    plan = makePlan(country);
    plans.set(country, plan);
  }
  return plan;
}

function makePlan(country: CountryCode): Plan {
  const callingCode = getCountryCallingCode(country);
  const lengths = new Set<number>();
  for (const other of getCountries()) {
    if (getCountryCallingCode(other) === callingCode) for (const n of rulesOf(other).possibleLengths()) lengths.add(n);
  }
  const rules = rulesOf(country);
  const pattern = rules.nationalPrefixForParsing();
  // A plan without a trunk prefix gives no pattern (undefined, or 0 in some versions).
  const plain = typeof pattern === 'string' && pattern !== '' ? pattern.split('|') : [];
  const prefixes = rules.nationalPrefixTransformRule() || !plain.every((p) => /^\d+$/.test(p)) ? null : plain;
  const minLength = Math.min(...lengths);
  // An international call prefix (one digit at least: 0 in Cape Verde), a country code and a
  // national number.
  const minInternational = 1 + 1 + shortestNationalNumber();
  const minNational = prefixes === null ? minLength - PATTERN_PREFIX_ROOM.below : minLength;
  return {
    callingCode,
    lengths,
    minLength,
    maxLength: Math.max(...lengths),
    prefixes,
    idd: new RegExp(`^(?:${rules.IDDPrefix()})`),
    minDigits: Math.max(1, Math.min(minNational, minInternational)),
  };
}

/** Whether `digits` (a national number, maybe with a trunk prefix) has a length the plan allows. */
function nationalLength(plan: Plan, digits: string): boolean {
  const n = digits.length;
  if (plan.lengths.has(n)) return true;
  if (plan.prefixes === null) return n >= plan.minLength - PATTERN_PREFIX_ROOM.below && n <= plan.maxLength + PATTERN_PREFIX_ROOM.above;
  for (const p of plan.prefixes) if (digits.startsWith(p) && plan.lengths.has(n - p.length)) return true;
  return false;
}

/**
 * Whether the library could read `digits` (ASCII) as a valid number; `plus` when a `+` leads
 * them (a full-width ＋ counts as one here; the library reads the number as national, so
 * this only sends more).
 */
function couldBeNumber(plan: Plan, digits: string, plus: boolean): boolean {
  if (plus) return digits.length >= INTERNATIONAL_DIGITS.min && digits.length <= INTERNATIONAL_DIGITS.max;
  if (plan.idd.test(digits)) return digits.length >= INTERNATIONAL_DIGITS.min;
  return nationalLength(plan, digits) || (digits.startsWith(plan.callingCode) && nationalLength(plan, digits.slice(plan.callingCode.length)));
}

/** The value of a digit the library reads, or -1. */
function readDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 0xff10 && c <= 0xff19) return c - 0xff10;
  if (c >= 0x660 && c <= 0x669) return c - 0x660;
  if (c >= 0x6f0 && c <= 0x6f9) return c - 0x6f0;
  return -1;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isPlus(c: number): boolean {
  return c === 43 || c === 0xff0b;
}

/**
 * A run of at least `minDigits` digits, from its first. The lookbehind (after the first
 * digit, which is cheaper to look for) skips the digits inside a run: once a run's first
 * digit failed, the others would too. Punctuation and digits are disjoint: linear.
 */
function runPattern(minDigits: number): RegExp {
  return new RegExp(
    `[${READ_DIGITS}](?<![${READ_DIGITS}][${PUNCTUATION}]{0,4}.)(?:[${PUNCTUATION}]{0,4}[${READ_DIGITS}]){${minDigits - 1},}`,
    'g',
  );
}

/** The end of the run whose first digit is at `at`: digits joined by up to four punctuation characters. */
function runEnd(text: string, at: number): number {
  let end = at + 1;
  let i = end;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (readDigit(c) >= 0) {
      end = ++i;
    } else if (i - end < 4 && isPunctuation(c)) {
      i++;
    } else {
      break;
    }
  }
  return end;
}

/**
 * A place the library could find a number: the run from its first digit (from its `+` when
 * one leads it, or from the digit before when it may continue that number as an extension).
 */
interface Run {
  readonly start: number;
  readonly first: number;
  readonly end: number;
  readonly plus: boolean;
  /** The run may continue the number before it as an extension: always read. */
  readonly joined: boolean;
}

/**
 * The first digit after a `+` at `at` and the leads that may follow it (brackets,
 * punctuation), or -1.
 */
function digitAfterPlus(text: string, at: number): number {
  const limit = Math.min(text.length, at + 2 + AFTER_PLUS);
  for (let i = at + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (readDigit(c) >= 0) return i;
    if (!LEAD_OR_PUNCTUATION.test(text[i]!)) return -1;
  }
  return -1;
}

/**
 * A date (2024-01-15) and an IPv4 address (the ip_address detector's) are not reported as
 * phone numbers, though the library may read them as one in a country with such lengths. A
 * country's own format that only looks like one (Haiti's 34 10 1234) is no date: its
 * digits make no month and day next to a year of 1900-2099.
 */
function reportable(found: string): boolean {
  return !isDate(found) && !isIpv4Address(found);
}

/** Whether `text` is a date: a month (1-12) and a day (1-31) next to a year. */
function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const [a, b] = (m[2] !== undefined ? [m[2], m[3]] : [m[4], m[6]]).map(Number) as [number, number];
  const day = (n: number): boolean => n >= 1 && n <= 31;
  const month = (n: number): boolean => n >= 1 && n <= 12;
  return (month(a) && day(b)) || (day(a) && month(b));
}

/**
 * Whether digits of another script (which the library's candidates hold, though it does not
 * read them) sit next to the run, across up to four punctuation characters: the library's
 * candidate is then longer than the run, and may be cut elsewhere.
 */
function besideOtherDigits(text: string, run: Run): boolean {
  let i = run.first - 1;
  for (let n = 0; n < 4 && i >= 0 && isPunctuation(text.charCodeAt(i)); n++) i--;
  if (i >= 0 && isAnyDigit(text.charCodeAt(i))) return true;
  let j = run.end;
  for (let n = 0; n < 4 && j < text.length && isPunctuation(text.charCodeAt(j)); n++) j++;
  return j < text.length && isAnyDigit(text.charCodeAt(j));
}

/** Whether a bracket or `+` leads the digits at `first` (with up to four punctuation characters after it). */
function ledByOpening(text: string, first: number): boolean {
  let i = first - 1;
  for (let n = 0; n < 4 && i >= 0 && !isOpening(text.charCodeAt(i)) && isPunctuation(text.charCodeAt(i)); n++) i--;
  return i >= 0 && isOpening(text.charCodeAt(i));
}

/**
 * Where the library splits a candidate that is not a number as a whole (its INNER_MATCHES,
 * in terms of the punctuation between two blocks): it tries the part before the first such
 * place, and the parts after each, up to the next such place or to the end.
 */
interface Split {
  /** Whether the punctuation between two blocks is such a place. */
  readonly at: (separator: string) => boolean;
  /** The part after the first place runs to the end (`/`, ` - `, long dashes). */
  readonly toEnd: boolean;
}

const TILDE = /[~\uff5e]/;
/** Space separators (Unicode Zs) that can sit between blocks. */
const SPACE = /[ \u00a0\u3000]/;
const SPLITS: readonly Split[] = [
  { at: (sep) => sep.includes('/'), toEnd: true },
  { at: (sep) => sep.includes('('), toEnd: false },
  { at: (sep) => /[ \u00a0\u3000]-|-[ \u00a0\u3000]/.test(sep), toEnd: true },
  { at: (sep) => /[\u2012-\u2015\uff0d]/.test(sep), toEnd: true },
  { at: (sep) => sep.includes('.'), toEnd: false },
  { at: (sep) => SPACE.test(sep), toEnd: false },
];

/**
 * Whether the library could find a number in the run: whether the run as a whole, or a part
 * the library tries when the whole is not a number (see Split), has digits the plan allows.
 */
function worthReading(text: string, run: Run, plan: Plan): boolean {
  if (run.joined || besideOtherDigits(text, run)) return true;
  // An IPv4 address is not reported (see reportable), and the parts the library would try
  // (its octets) are shorter than any country's numbers; but with a bracket before it or an
  // extension after it, what the library reads is no address.
  if (
    !run.plus &&
    shortestNationalNumber() > 3 &&
    isIpv4Address(text.slice(run.first, run.end)) &&
    !ledByOpening(text, run.first) &&
    !EXTENSION_AHEAD.test(text.slice(run.end, run.end + CONTEXT_AFTER_EXTENSION))
  ) {
    return false;
  }
  const blocks: string[] = [];
  /** separators[k] is the punctuation between blocks k and k + 1. */
  const separators: string[] = [];
  let block = '';
  let separator = '';
  let sequences = 0;
  for (let i = run.first; i < run.end; i++) {
    const c = text.charCodeAt(i);
    const d = readDigit(c);
    if (d >= 0) {
      if (separator !== '') {
        blocks.push(block);
        separators.push(separator);
        sequences += Math.ceil(block.length / SEQUENCE);
        block = '';
        separator = '';
      }
      block += String.fromCharCode(48 + d);
    } else {
      separator += text[i];
    }
  }
  blocks.push(block);
  sequences += Math.ceil(block.length / SEQUENCE);
  // Longer than one candidate: the library cuts it where it must, and reads on from there.
  if (sequences > MAX_SEQUENCES) return true;
  // A part that starts with the run's first block must not touch a letter before it (unless
  // a `+` or a bracket leads it, which the run then starts with).
  const glued = !run.plus && isAsciiLetter(text.charCodeAt(run.first - 1));
  const digitsAllowed = (from: number, to: number): boolean =>
    couldBeNumber(plan, blocks.slice(from, to + 1).join(''), run.plus && from === 0);
  // A part may end with an extension that the library takes off before judging it: digits
  // after a tilde ("~851").
  /** Whether blocks `from`..`to` could be a number the library reports. */
  const partCouldBe = (from: number, to: number): boolean => {
    if (from === 0 && glued) return false;
    if (digitsAllowed(from, to)) return true;
    for (let k = from; k < to; k++) if (TILDE.test(separators[k]!) && digitsAllowed(from, k)) return true;
    return false;
  };
  if (partCouldBe(0, blocks.length - 1)) return true;
  for (const split of SPLITS) {
    const places: number[] = [];
    for (let k = 0; k < separators.length; k++) if (split.at(separators[k]!)) places.push(k);
    if (places.length === 0) continue;
    if (partCouldBe(0, places[0]!)) return true;
    if (split.toEnd) {
      if (partCouldBe(places[0]! + 1, blocks.length - 1)) return true;
      continue;
    }
    for (let p = 0; p < places.length; p++) {
      if (partCouldBe(places[p]! + 1, p + 1 < places.length ? places[p + 1]! : blocks.length - 1)) return true;
    }
  }
  return false;
}

/** Spaces, tabs, commas and dashes: around an extension's label, or all there is of its joint (", 12", " - 12#"). */
function isJointSeparator(c: number): boolean {
  return c === 32 || c === 0xa0 || c === 9 || c === 44 || c === 45;
}

/** After a label or the commas of an extension: `:` or a dot. */
function isLabelStop(c: number): boolean {
  return c === 58 || c === 46 || c === 0xff0e;
}

/** An extension label, whole, as the library's case-insensitive patterns read one. */
const LABEL = /^(?:e?xt(?:ensi(?:o\u0301?|\u00f3))?n?|\uff45?\uff58\uff54\uff4e?|\u0434\u043e\u0431|anexo|[x\uff58#\uff03~\uff5e]|int|\uff49\uff4e\uff54)$/i;
/** Last characters of a label (LABEL), in every case the library matches. */
const LABEL_ENDS = new Set([...'tTnNoO\u00f3\u00d3\u0301\u0431\u0411xX\uff58\uff38#\uff03~\uff5e\uff54\uff34\uff4e\uff2e'].map((ch) => ch.charCodeAt(0)));
/** The longest label: "extensión" written with a combining accent. */
const LONGEST_LABEL = 10;

/** The digit (of any script) at `at`, or just before the spaces, tabs and commas that end there; or -1. */
function digitBefore(text: string, at: number): number {
  let i = at;
  // The separators before a label: those of a joint less the dash.
  while (i >= 0 && text.charCodeAt(i) !== 45 && isJointSeparator(text.charCodeAt(i))) i--;
  return i >= 0 && isAnyDigit(text.charCodeAt(i)) ? i : -1;
}

/**
 * The digit before the run at `first` that the run may continue, or -1: a digit of another
 * script just before it (see also besideOtherDigits), or a number that the run's first
 * digits may be the extension of (the library may then read the rest of the run from inside). Read backwards, an extension
 * is joined to its number by spaces, tabs, commas or dashes (", 12", " - 12#"), maybe a
 * `:` or dot, and a label (" ext. 12", "x12", "#12") with spaces and commas before it, or
 * by ";" or ";ext=". The walks stop at anything else, and runs of separators lie between
 * two digits, so no character is walked over twice in a text.
 */
function joinedAt(text: string, first: number): number {
  let i = first - 1;
  while (i >= 0 && isJointSeparator(text.charCodeAt(i))) i--;
  if (i >= 0 && isLabelStop(text.charCodeAt(i))) {
    i--;
    while (i >= 0 && isJointSeparator(text.charCodeAt(i))) i--;
  }
  if (i < 0) return -1;
  const c = text.charCodeAt(i);
  if (isAnyDigit(c)) return i;
  if (c === 59) return digitBefore(text, i - 1); // ";"
  if (c === 61 && text.slice(i - 4, i).toLowerCase() === ';ext') return digitBefore(text, i - 5);
  if (!LABEL_ENDS.has(c)) return -1;
  for (let start = i; start > i - LONGEST_LABEL && start >= 0; start--) {
    if (LABEL.test(text.slice(start, i + 1))) {
      const digit = digitBefore(text, start - 1);
      if (digit >= 0) return digit;
    }
  }
  return -1;
}

/** The runs of `text` worth reading, in order. */
function runs(text: string, plan: Plan, pattern: RegExp): Run[] {
  const found: Run[] = [];
  // Runs led by `+` may be shorter than a national number: found from the `+`.
  const led = new Map<number, number>();
  for (const plus of ['+', '\uff0b']) {
    for (let at = text.indexOf(plus); at >= 0; at = text.indexOf(plus, at + 1)) {
      const first = digitAfterPlus(text, at);
      if (first >= 0 && !led.has(first)) led.set(first, at);
    }
  }
  const add = (run: Run): void => {
    if (worthReading(text, run, plan)) found.push(run);
  };
  for (const [first, start] of led) add({ start, first, end: runEnd(text, first), plus: true, joined: false });
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (led.has(m.index)) continue;
    // A run that may continue the number before it as an extension is read as the library
    // reads it then: with that number, from the digit before.
    const joined = joinedAt(text, m.index);
    add({ start: joined < 0 ? m.index : joined, first: m.index, end: m.index + m[0].length, plus: false, joined: joined >= 0 });
  }
  // Runs led by `+` came first, and a joined run starts before its first digit.
  return found.sort((a, b) => a.start - b.start);
}

/**
 * Characters a candidate of the library can hold: any decimal digit, the punctuation and
 * leads of a number, and what an extension is written with (its labels, in either case, and
 * their separators). A candidate never crosses any other character, so a window edge next
 * to one cuts no candidate: the library reads the window as it reads the whole text.
 */
const CANDIDATE_CHARACTER = new RegExp(`^[\\p{Nd}${PUNCTUATION}${LEAD}${JOINT_MARKS}${LABEL_LETTERS}]$`, 'u');
const ASCII_CANDIDATE_CHARACTER = Array.from({ length: 128 }, (_, c) => CANDIDATE_CHARACTER.test(String.fromCharCode(c)));

function canBeInCandidate(c: number): boolean {
  return c < 128 ? ASCII_CANDIDATE_CHARACTER[c]! : CANDIDATE_CHARACTER.test(String.fromCharCode(c));
}

/**
 * How far past its context a window reaches for a character no candidate holds. The library
 * takes time quadratic in a run of commas after a number (its extension patterns
 * backtrack), and a long stretch of such characters may hold nothing worth reading: a
 * window stops there, cut (see Window).
 */
const REACH = MAX_LENGTH;

/**
 * A region sent to the library. An edge is `cut` when it stops inside a stretch of
 * characters that a candidate may hold (REACH).
 */
interface Window {
  from: number;
  to: number;
  cutBefore: boolean;
  cutAfter: boolean;
}

/** Candidate regions, each widened by the context to a character no candidate holds, and merged when they touch. */
function windows(text: string, plan: Plan, pattern: RegExp): Window[] {
  const merged: Window[] = [];
  for (const run of runs(text, plan, pattern)) {
    const last = merged[merged.length - 1];
    // Each character is walked over once: not back into the last window, nor again to the
    // end of one.
    const reached = last?.to ?? 0;
    let from = Math.max(0, run.start - CONTEXT_BEFORE);
    const fromLimit = Math.max(reached, from - REACH);
    while (from > fromLimit && canBeInCandidate(text.charCodeAt(from - 1))) from--;
    const after = EXTENSION_AHEAD.test(text.slice(run.end, run.end + CONTEXT_AFTER_EXTENSION)) ? CONTEXT_AFTER_EXTENSION : CONTEXT_AFTER;
    const context = Math.min(text.length, run.end + after);
    const toLimit = Math.min(text.length, context + REACH);
    // From the last window's end if it reaches further (it may have stopped at its own REACH).
    let to = Math.max(context, reached);
    while (to < toLimit && canBeInCandidate(text.charCodeAt(to))) to++;
    const cutAfter = to < text.length && canBeInCandidate(text.charCodeAt(to));
    if (last !== undefined && from <= last.to) {
      last.to = to;
      last.cutAfter = cutAfter;
    } else {
      merged.push({ from, to, cutBefore: from > 0 && canBeInCandidate(text.charCodeAt(from - 1)), cutAfter });
    }
  }
  return merged;
}

/** What a run in progress is made of: digits of any script, punctuation, and the brackets and `+` that may lead it. */
function isRunUnit(c: number): boolean {
  return isAnyDigit(c) || LEAD_OR_PUNCTUATION.test(String.fromCharCode(c));
}

/** `(`, `[`, `+` and their full-width forms: where the library may start a number. */
function isOpening(c: number): boolean {
  return c === 40 || c === 91 || c === 43 || c === 0xff08 || c === 0xff3b || c === 0xff0b;
}

const NON_ASCII_DIGIT = /^\p{Nd}$/u;
const NON_ASCII_WORD = /^[\p{L}\p{N}]$/u;

/** Any decimal digit: the library's candidates take every script's digits. */
function isAnyDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 0x80 && NON_ASCII_DIGIT.test(String.fromCharCode(c)));
}

function isLetterOrDigit(c: number): boolean {
  return isAnyDigit(c) || isAsciiLetter(c) || (c >= 0x80 && NON_ASCII_WORD.test(String.fromCharCode(c)));
}

/**
 * Where a number could still change. The library reads a window around each run, so
 * besides the run in progress (the run of number characters that ends the text, from its
 * first digit or `+`), more text can change: any window that a new run's window would merge
 * with, or that is cut off by the end (its numbers are read again; a window waiting to know
 * whether an extension follows is as long as a number), and the context before a new run,
 * where the library could find a number that no run revealed yet (it has a digit there, or
 * an opening bracket followed by punctuation only).
 */
function pendingFrom(text: string, from: number, plan: Plan, pattern: RegExp): number {
  const end = text.length;
  const candidate = firstIn(text, trailingRun(text, from, isRunUnit), end, (c) => isAnyDigit(c) || isPlus(c));
  const context = Math.max(from, candidate - CONTEXT_BEFORE);
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
  for (const w of windows(text.slice(from), plan, pattern)) {
    if (from + w.to >= context) return Math.min(pending, from + w.from);
  }
  return pending;
}

function create(opts: PhoneOptions): SyncScanner {
  const defaultCountry = opts.default_country as CountryCode;
  const plan = planOf(defaultCountry);
  const pattern = runPattern(plan.minDigits);
  return {
    kind: 'sync',
    maxMatchLength: MAX_LENGTH,
    pendingFrom: (text, from) => pendingFrom(text, from, plan, pattern),
    scan(text: string): Span[] {
      const spans: Span[] = [];
      // The windows go to the library in one call (one call per window costs a quarter
      // more), each with the characters just around it and a line break between them. No
      // candidate holds any of these (CANDIDATE_CHARACTER), so the library reads each
      // window as in the whole text: it sees the same characters next to a number. A cut
      // edge (see Window) gets the line break alone; a number touching it may be a fragment
      // of a longer candidate, but its digits are a number's digits, and it is reported.
      const pieces: string[] = [];
      /** Where each piece's window starts in the joined text, and what to add to go back to `text`. */
      const bounds: Array<{ start: number; shift: number }> = [];
      let length = 0;
      for (const window of windows(text, plan, pattern)) {
        const start = window.cutBefore ? window.from : Math.max(0, window.from - 1);
        const end = window.cutAfter ? window.to : Math.min(text.length, window.to + 1);
        pieces.push(text.slice(start, end));
        bounds.push({ start: length + window.from - start, shift: start - length });
        length += end - start + 1;
      }
      if (pieces.length === 0) return spans;
      const joined = pieces.join('\n');
      let w = 0;
      for (const found of findNumbers(joined, { defaultCountry, v2: true })) {
        while (w + 1 < bounds.length && bounds[w + 1]!.start <= found.startsAt) w++;
        const b = bounds[w]!;
        if (!reportable(joined.slice(found.startsAt, found.endsAt))) continue;
        const end = found.endsAt + b.shift;
        for (let start = found.startsAt + b.shift; start < end; start += MAX_LENGTH) spans.push({ start, end: Math.min(end, start + MAX_LENGTH) });
      }
      return spans;
    },
  };
}

export const phone: Detector<PhoneOptions> = {
  id: 'phone',
  description: 'Phone numbers valid for their country (libphonenumber), international or in the default country',
  options,
  create: (opts) => readingPastInvisible(create(opts)),
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

