// Helpers for SyncScanner.pendingFrom: most detectors' candidates are runs of a few kinds of
// character, so a match in progress can only sit in the run that reaches the end of the text.

/** Start of the run of code units that pass `test` and end the text, no earlier than `from`. */
export function trailingRun(text: string, from: number, test: (unit: number) => boolean): number {
  let i = text.length;
  while (i > from && test(text.charCodeAt(i - 1))) i--;
  return i;
}

/** The first offset in `[from, to)` whose code unit passes `test`, or `to`. */
export function firstIn(text: string, from: number, to: number, test: (unit: number) => boolean): number {
  let i = from;
  while (i < to && !test(text.charCodeAt(i))) i++;
  return i;
}

export function isDigit(unit: number): boolean {
  return unit >= 48 && unit <= 57;
}

function isDigitRunUnit(unit: number): boolean {
  return isDigit(unit) || unit === 32 || unit === 45;
}

/**
 * For numbers written in groups separated by a space or a dash (cards, SSNs): the run of
 * digits, spaces and dashes that ends the text is undecided from its first digit. Separators
 * alone (a space after a word) cannot begin a number and hold nothing.
 */
export function pendingDigitRun(text: string, from: number): number {
  return firstIn(text, trailingRun(text, from, isDigitRunUnit), text.length, isDigit);
}
