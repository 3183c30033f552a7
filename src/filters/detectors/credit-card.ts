import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { forEachMatch } from './lib/matches.js';
import { pendingDigitRun } from './lib/pending.js';
import { isAsciiAlnum } from './lib/word-chars.js';
import { readingPastInvisible } from './lib/invisible.js';

// Runs of at least 12 digits, in groups separated by one space or dash, not glued to letters
// or digits: a maximal sequence of such groups, less its first group if a letter touches it
// on the left and its last if one touches it on the right. A run can hold more than a card
// (a card after an account number, say), so its groups are tried as windows: the longest
// window at the leftmost group that has a known network's prefix and length and passes
// Luhn. A run is read whole, however long: cutting it at a fixed length made what was found
// depend on where the run began (a card after eleven groups of digits went unseen, and a
// stream filter, which sees a run from somewhere in its middle, disagreed with a scan of the
// whole text). Separator and digit never overlap and the edges are checked in code, so the
// pattern never backtracks: linear. A sequence of fewer than 12 digits holds no run, so
// only longer ones are matched; the lookbehind (after the first digit, the cheaper test)
// starts a match only at a sequence's first digit, so a short sequence costs one attempt.
const SEQUENCE = /\d(?<![0-9][ -]?.)(?:[ -]?\d){11,}/g;

/** Card numbers have 12-19 digits; with a separator between every digit, 37 characters. */
const MAX_LENGTH = 19 * 2 - 1;

interface Network {
  readonly name: string;
  /** Inclusive IIN ranges compared on the first `digits` digits. */
  readonly ranges: ReadonlyArray<readonly [low: number, high: number]>;
  readonly lengths: readonly number[];
}

const NETWORKS: readonly Network[] = [
  { name: 'visa', ranges: [[4, 4]], lengths: [13, 16, 19] },
  { name: 'mastercard', ranges: [[51, 55], [2221, 2720]], lengths: [16] },
  { name: 'amex', ranges: [[34, 34], [37, 37]], lengths: [15] },
  { name: 'discover', ranges: [[6011, 6011], [644, 649], [65, 65], [622126, 622925]], lengths: [16, 17, 18, 19] },
  { name: 'diners', ranges: [[300, 305], [36, 36], [38, 39]], lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'jcb', ranges: [[3528, 3589]], lengths: [16, 17, 18, 19] },
  { name: 'unionpay', ranges: [[62, 62], [81, 81]], lengths: [16, 17, 18, 19] },
  { name: 'maestro', ranges: [[5018, 5018], [5020, 5020], [5038, 5038], [5893, 5893], [6304, 6304], [6759, 6759], [6761, 6763]], lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { name: 'mir', ranges: [[2200, 2204]], lengths: [16, 17, 18, 19] },
];

function belongsToNetwork(digits: string): boolean {
  return NETWORKS.some(
    (network) =>
      network.lengths.includes(digits.length) &&
      network.ranges.some(([low, high]) => {
        const prefix = Number(digits.slice(0, String(low).length));
        return prefix >= low && prefix <= high;
      }),
  );
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function isCardNumber(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 19 && belongsToNetwork(digits) && luhnValid(digits);
}

/**
 * Finds cards among the digit groups of one run, leftmost first, longest first. A window
 * may end with a one-digit group but not contain one elsewhere: cards are printed in groups
 * of three or more, and digits spaced one by one ("4 1 1 1 ...") would otherwise cost a
 * window per digit.
 */
function cardsInRun(run: string, offset: number, spans: Span[]): void {
  const groups: Array<{ start: number; end: number }> = [];
  for (const m of run.matchAll(/\d+/g)) groups.push({ start: m.index, end: m.index + m[0].length });
  let i = 0;
  while (i < groups.length) {
    let digits = '';
    const ends: number[] = []; // group index of each window's last group, shortest first
    for (let j = i; j < groups.length && digits.length <= 19; j++) {
      const group = groups[j]!;
      digits += run.slice(group.start, group.end);
      if (digits.length <= 19) ends.push(j);
      if (group.end - group.start === 1) break;
    }
    const found = ends.reverse().find((j) => isCardNumber(digitsOf(run, groups[i]!.start, groups[j]!.end)));
    if (found === undefined) {
      i++;
      continue;
    }
    spans.push({ start: offset + groups[i]!.start, end: offset + groups[found]!.end });
    i = found + 1;
  }
}

function isSeparator(c: number): boolean {
  return c === 32 || c === 45;
}

/** The run in a maximal sequence at `index`, as [start, end), or null if it has none. */
function runOf(text: string, index: number, sequence: string): [number, number] | null {
  let start = index;
  let end = index + sequence.length;
  if (isAsciiAlnum(text.charCodeAt(start - 1))) {
    while (start < end && !isSeparator(text.charCodeAt(start))) start++;
    start++;
  }
  if (isAsciiAlnum(text.charCodeAt(end))) {
    while (end > start && !isSeparator(text.charCodeAt(end - 1))) end--;
    end--;
  }
  let digits = 0;
  for (let i = start; i < end; i++) if (!isSeparator(text.charCodeAt(i))) digits++;
  return digits >= 12 ? [start, end] : null;
}

function digitsOf(run: string, start: number, end: number): string {
  return run.slice(start, end).replace(/[ -]/g, '');
}

const options = z.strictObject({});
type CreditCardOptions = z.output<typeof options>;

function create(): SyncScanner {
  return {
    kind: 'sync',
    maxMatchLength: MAX_LENGTH,
    // A run that reaches the end may still grow, be cut into groups differently or be
    // cancelled by a letter.
    pendingFrom: pendingDigitRun,
    scan(text: string): Span[] {
      const spans: Span[] = [];
      forEachMatch(SEQUENCE, text, (m) => {
        const run = runOf(text, m.index, m[0]);
        if (run !== null) cardsInRun(text.slice(run[0], run[1]), run[0], spans);
      });
      return spans;
    },
  };
}

export const creditCard: Detector<CreditCardOptions> = {
  id: 'credit_card',
  description: 'Payment card numbers of the major networks (prefix and length checked, Luhn checksum)',
  options,
  create: () => readingPastInvisible(create()),
  examples: {
    positive: [
      { text: 'Visa 4111 1111 1111 1111 exp 12/27', matches: ['4111 1111 1111 1111'] },
      { text: 'card 4111\u200b1111\u200b1111\u200b1111 (zero-width spaces)', matches: ['4111\u200b1111\u200b1111\u200b1111'] },
      { text: 'mc: 5555-5555-5555-4444; amex 3782 822463 10005', matches: ['5555-5555-5555-4444', '3782 822463 10005'] },
      { text: 'discover 6011111111111117, jcb 3530111333300000', matches: ['6011111111111117', '3530111333300000'] },
      { text: 'Mastercard 2-series 2223003122003222', matches: ['2223003122003222'] },
      { text: 'acct 12345678 card 4012 8888 8888 1881', matches: ['4012 8888 8888 1881'] },
      { text: 'diners 3056 9309 0259 04', matches: ['3056 9309 0259 04'] },
      { text: `after a long run ${'0000 '.repeat(12)}4111 1111 1111 1111`, matches: ['4111 1111 1111 1111'] },
    ],
    negative: [
      { text: 'Visa 4111 1111 1111 1112 fails Luhn' },
      { text: 'order number 1234 5678 9012 3456' },
      { text: 'big number 41111111111111110000000' },
      { text: 'tracking 9400111899223100001234, isbn 978-3-16-148410-0' },
      { text: 'phone +1 415 555 2671 and date 2024-01-15' },
      { text: 'all zeros 0000 0000 0000 0000' },
    ],
  },
};
