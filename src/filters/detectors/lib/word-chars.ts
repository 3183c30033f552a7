// What counts as part of a word when a detector asks for whole words: letters, digits and
// the combining marks that sit on them, in any script. Cached per code point because the
// Unicode property lookup is a regex test.
const WORD = /^[\p{L}\p{N}\p{M}]$/u;
/**
 * Scripts written without spaces between words: a whole-word requirement there would
 * almost never be met, so a keyword edge in one of these scripts matches as a substring.
 * Korean is included because particles attach to the word they follow.
 */
const UNSPACED =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Hangul}]$/u;

const UNKNOWN = 0;
const WORD_CHAR = 1;
const OTHER = 2;
const KIND = new Uint8Array(0x110000);
for (let c = 0; c < 0x80; c++) {
  const ascii = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  KIND[c] = ascii ? WORD_CHAR : OTHER;
}

/** An ASCII letter or digit: what glues a number to a longer token in the PII patterns. */
export function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isWordCodePoint(cp: number): boolean {
  let kind = KIND[cp];
  if (kind === UNKNOWN) {
    kind = WORD.test(String.fromCodePoint(cp)) ? WORD_CHAR : OTHER;
    KIND[cp] = kind;
  }
  return kind === WORD_CHAR;
}

export function isUnspacedScript(cp: number): boolean {
  return cp >= 0x0e00 && UNSPACED.test(String.fromCodePoint(cp));
}

/** The code point that ends just before `index`, or -1 at the start. */
export function codePointBefore(text: string, index: number): number {
  if (index <= 0) return -1;
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

/** The code point starting at `index`, or -1 at the end. */
export function codePointAtOrEnd(text: string, index: number): number {
  return index < text.length ? text.codePointAt(index)! : -1;
}
