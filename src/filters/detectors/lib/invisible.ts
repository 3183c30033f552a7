// Characters that change nothing a reader sees: Unicode's Default_Ignorable_Code_Point
// (soft hyphen, zero-width space and joiners, bidi marks and isolates, word joiner,
// variation selectors, Hangul fillers, tags, BOM). Written inside a key, they break it for a
// pattern while a person, or a model, still reads the key whole; removing them costs the
// client one copy and paste. Detectors that match tokens scan the text without them and map
// what they find back onto the original.
import type { Span, SyncScanner } from '../../types.js';
import { sharedPerRun } from './per-run.js';

/** The characters, as a character class (also for RE2). */
export const INVISIBLE_CLASS =
  '[\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164' +
  '\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF0-\\uFFF8\\u{1BCA0}-\\u{1BCA3}\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E0FFF}]';
const INVISIBLE = new RegExp(INVISIBLE_CLASS, 'u');
const INVISIBLE_ALL = new RegExp(INVISIBLE_CLASS, 'gu');

/** A text without its invisible characters, and where each of its units came from. */
export interface Stripped {
  readonly text: string;
  /** `map[i]`: the original offset of `text[i]`; `map[text.length]` is the original's length. */
  readonly map: Int32Array;
}

/**
 * The text without invisible characters; null when it has none (the usual case: one regex
 * test, skipped when the caller already knows, `known`).
 */
export function stripInvisible(text: string, known?: boolean): Stripped | null {
  if (known === false || (known === undefined && !INVISIBLE.test(text))) return null;
  const map = new Int32Array(text.length + 1);
  const pieces: string[] = [];
  let k = 0;
  let last = 0;
  for (const m of text.matchAll(INVISIBLE_ALL)) {
    pieces.push(text.slice(last, m.index));
    for (let j = last; j < m.index; j++) map[k++] = j;
    last = m.index + m[0].length; // two units for a tag character
  }
  pieces.push(text.slice(last));
  for (let j = last; j < text.length; j++) map[k++] = j;
  map[k] = text.length;
  return { text: pieces.join(''), map: map.subarray(0, k + 1) };
}

/** A span of the stripped text on the original: from its first to its last character, invisible ones between included. */
export function originalSpan(stripped: Stripped, span: Span): Span {
  return { start: stripped.map[span.start]!, end: stripped.map[span.end - 1]! + 1 };
}

/** An offset of the stripped text on the original (the end maps to the original's end). */
export function originalOffset(stripped: Stripped, offset: number): number {
  return stripped.map[offset]!;
}

/** The first offset of the stripped text whose character sits at or after original offset `from`. */
export function strippedOffset(stripped: Stripped, from: number): number {
  let lo = 0;
  let hi = stripped.text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (stripped.map[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** stripInvisible, once per text for all the rules of a run that read past invisible characters. */
const strippedOf = sharedPerRun((text: string): Stripped | null => stripInvisible(text));

/** A pendingFrom that reads the text without its invisible characters and answers on the original. */
export function pendingPastInvisible(pendingFrom: (text: string, from: number) => number): (text: string, from: number) => number {
  return (text, from) => {
    const bare = strippedOf(text);
    if (bare === null) return pendingFrom(text, from);
    return originalOffset(bare, pendingFrom(bare.text, strippedOffset(bare, from)));
  };
}

/**
 * The scanner reading the text without its invisible characters (when it has any): what it
 * finds maps back onto the original, invisible characters inside a match included. For
 * detectors of tokens (addresses, numbers) that such characters would otherwise split.
 * In a stream, a match that invisible characters make longer than the detector's bound is
 * recorded once the output is complete (stream.ts), as any match that outgrew it.
 */
export function readingPastInvisible(scanner: SyncScanner): SyncScanner {
  const { pendingFrom } = scanner;
  return {
    kind: 'sync',
    maxMatchLength: scanner.maxMatchLength,
    ...(scanner.pendingReach !== undefined ? { pendingReach: scanner.pendingReach } : {}),
    scan(text: string): Span[] {
      const bare = strippedOf(text);
      if (bare === null) return scanner.scan(text);
      return scanner.scan(bare.text).map((span) => originalSpan(bare, span));
    },
    ...(pendingFrom === undefined
      ? {}
      : {
          pendingFrom: pendingPastInvisible((text, from) => pendingFrom.call(scanner, text, from)),
        }),
  };
}
