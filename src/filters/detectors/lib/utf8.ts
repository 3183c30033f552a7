import type RE2 from 're2';
import { forEachMatch, groupSpan } from './matches.js';
import { sharedPerRun } from './per-run.js';

/** A match on a Buffer: byte offsets, and group offsets with the `d` flag. */
export type BufferMatch = NonNullable<ReturnType<RE2['exec']>> & { readonly indices?: RegExpIndicesArray };

// RE2 reads UTF-8. Handed a JS string, the binding converts it on the first call and then
// pays about 15 µs per match turning byte offsets back into UTF-16 ones from where the
// previous match ended; an RE2.Set converts on every call. Handed a Buffer it does neither
// and reports byte offsets. So a text is converted once, shared by every RE2 pattern that
// scans it, and byte offsets are turned into UTF-16 ones here, in one forward pass.
//
// The Buffer holds exactly what the binding would have made of the string (both go through
// Node's UTF-8 encoder, which writes a lone surrogate as U+FFFD: one code unit, three
// bytes), so matches are the same, at the same places. Only how an empty match steps over
// a lone surrogate differs, so forEachRe2Match scans such a text as a string.

/** Byte offsets are resolved from a checkpoint at every multiple of this. */
const CHUNK_BITS = 8;
const CHUNK = 1 << CHUNK_BITS;

export class Utf8Text {
  readonly bytes: Buffer;
  readonly #ascii: boolean;
  /** `#units[k]`: UTF-16 units before byte `k * CHUNK`, filled up to `#filled` lazily. */
  readonly #units: Int32Array;
  #filled = 0;
  /** The bytes four at a time, when they are aligned for it: ASCII words count at once. */
  readonly #words: Uint32Array | undefined;
  /** The last offset resolved, since matches come in order: the next walk starts there. */
  #lastByte = 0;
  #lastUnits = 0;

  constructor(text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.#ascii = this.bytes.length === text.length;
    this.#units = new Int32Array(this.#ascii ? 0 : (this.bytes.length >>> CHUNK_BITS) + 1);
    const { buffer, byteOffset, length } = this.bytes;
    this.#words = this.#ascii || byteOffset % 4 !== 0 ? undefined : new Uint32Array(buffer, byteOffset, length >>> 2);
  }

  /** The UTF-16 offset of byte offset `byte`, which must start a character (or be the end). */
  unitAt(byte: number): number {
    if (this.#ascii) return byte;
    const bytes = this.bytes;
    let from: number;
    let units: number;
    if (byte >= this.#lastByte && byte - this.#lastByte < CHUNK) {
      from = this.#lastByte;
      units = this.#lastUnits;
    } else {
      const chunk = byte >>> CHUNK_BITS;
      if (chunk >= this.#filled) this.#fill(chunk);
      from = chunk << CHUNK_BITS;
      units = this.#units[chunk]!;
    }
    for (let i = from; i < byte; i++) units += unitsOfByte(bytes[i]!);
    this.#lastByte = byte;
    this.#lastUnits = units;
    return units;
  }

  #fill(upTo: number): void {
    const bytes = this.bytes;
    const table = this.#units;
    let k = this.#filled;
    if (k === 0) {
      table[0] = 0;
      k = 1;
    }
    const words = this.#words;
    for (; k <= upTo; k++) {
      let units = table[k - 1]!;
      const end = k << CHUNK_BITS;
      if (words === undefined) {
        for (let i = end - CHUNK; i < end; i++) units += unitsOfByte(bytes[i]!);
      } else {
        for (let w = (end - CHUNK) >>> 2; w < end >>> 2; w++) {
          if ((words[w]! & 0x80808080) === 0) {
            units += 4;
          } else {
            const i = w << 2;
            units += unitsOfByte(bytes[i]!) + unitsOfByte(bytes[i + 1]!) + unitsOfByte(bytes[i + 2]!) + unitsOfByte(bytes[i + 3]!);
          }
        }
      }
      table[k] = units;
    }
    this.#filled = upTo + 1;
  }
}

/**
 * UTF-16 units a byte accounts for: a lead byte (or ASCII) one, a continuation byte none,
 * and the lead of a four-byte sequence (a surrogate pair) one more.
 */
function unitsOfByte(b: number): number {
  return b < 0x80 ? 1 : b < 0xc0 ? 0 : b < 0xf0 ? 1 : 2;
}

/** Length of the UTF-8 sequence that starts with byte `b`. */
export function utf8SequenceLength(b: number): number {
  return b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/**
 * The UTF-8 form of `text`, converted once for all the scanners of the current synchronous
 * run (one evaluation).
 */
export const utf8Of: (text: string) => Utf8Text = sharedPerRun((text) => new Utf8Text(text));

/** A match in UTF-16 offsets of the scanned text. */
export interface Re2Match {
  readonly start: number;
  readonly end: number;
  /** Span of capture group `index` (the pattern needs the `d` flag), or null if it took no part. */
  group(index: number): { start: number; end: number } | null;
}

/**
 * Whether `text` has no lone surrogate, found once per synchronous run: the check reads the
 * whole text, and every RE2 pattern of an evaluation asks it of the same one.
 */
const isWellFormed: (text: string) => boolean = sharedPerRun((text) => text.isWellFormed());

/**
 * Calls `visit` for every non-empty match of `re` (global, compiled by compileScanner) in
 * `text`, left to right, exactly as forEachMatch walks the string: an empty match advances
 * by one code point. A well-formed text is scanned as UTF-8 bytes; one with a lone surrogate
 * (which the encoder would replace, changing what an empty match skips) as a string.
 */
export function forEachRe2Match(re: RE2, text: string, visit: (match: Re2Match) => void): void {
  if (!isWellFormed(text)) {
    forEachMatch(re, text, (m) => {
      visit({ start: m.index, end: m.index + m[0].length, group: (index) => groupSpan(m, index) });
    });
    return;
  }
  const utf8 = utf8Of(text);
  const bytes = utf8.bytes;
  re.lastIndex = 0;
  for (;;) {
    const match: BufferMatch | null = re.exec(bytes);
    if (match === null) return;
    const byteStart = match.index;
    const byteEnd = re.lastIndex;
    if (byteEnd === byteStart) {
      re.lastIndex = byteStart + (byteStart < bytes.length ? utf8SequenceLength(bytes[byteStart]!) : 1);
      if (re.lastIndex > bytes.length) return;
      continue;
    }
    visit({
      start: utf8.unitAt(byteStart),
      end: utf8.unitAt(byteEnd),
      group(index) {
        const at = match.indices?.[index];
        return at === undefined ? null : { start: utf8.unitAt(at[0]), end: utf8.unitAt(at[1]) };
      },
    });
  }
}
