// The request body's own bytes, read the way JSON.parse read them: redactions written into
// them, and keys that repeat within an object found in them.
//
// Redactions written into the request body's own bytes. Re-serialising a parsed body
// would change what the client sent beyond the redacted text (`1.0` becomes `1`, key order
// and spacing are lost) and costs a JSON.stringify and a UTF-8 encoding of the whole body
// (about 30 ms for 4 MB). Instead each redacted string is found in the body where
// JSON.parse read it, and only the redacted characters are replaced: every other byte
// stays as the client sent it, and JSON.parse of the result gives what writing the
// redacted texts into the parsed body would.
import { isUtf8 } from 'node:buffer';
import { fitSpans, type RedactionSpan } from '../filters/redact.js';

type Key = string | number;

/** A string value of the body to redact: where it is, its text as parsed, the spans. */
export interface StringEdit {
  readonly path: readonly Key[];
  readonly text: string;
  readonly spans: readonly RedactionSpan[];
}

const QUOTE = 0x22;

/**
 * Most bytes read to place a body's edits: finding a string reads up to the whole body
 * (the last of duplicate keys wins), once per edit. A body with more redacted strings
 * than this allows (thousands of short messages, each with a match) is re-serialised,
 * which costs one pass however many there are.
 */
export const SPLICE_READ_BUDGET = 32 * 1024 * 1024;
const BACKSLASH = 0x5c;
const NO_WORDS = new Uint32Array(0);

/**
 * The body with each edit's spans replaced by their labels, or null when the edits cannot be
 * placed byte for byte (the body is not valid UTF-8, a path does not lead to a string of
 * that text) or would cost more than re-serialising (SPLICE_READ_BUDGET): the caller then
 * re-serialises.
 */
export function spliceRedactions(body: Buffer, edits: readonly StringEdit[]): Buffer | null {
  // JSON.parse read the body decoded with U+FFFD for invalid bytes: offsets in the text
  // would not match offsets in the bytes.
  if (!isUtf8(body)) return null;
  if (edits.length * body.length > SPLICE_READ_BUDGET) return null;
  /** Byte ranges to cut, and what goes in each: starts, ends and labels side by side. */
  const starts: number[] = [];
  const ends: number[] = [];
  const labels: Buffer[] = [];
  const labelBytes = new Map<string, Buffer>();
  for (const edit of edits) {
    const at = locateString(body, edit.path);
    if (at === null) return null;
    const spans = fitSpans(edit.text, edit.spans);
    const units: number[] = [];
    for (const s of spans) units.push(s.start, s.end);
    const bytes = unitsToBytes(body, at.open + 1, at.close, units, edit.text.length);
    if (bytes === null) return null;
    for (let n = 0; n < spans.length; n++) {
      const s = spans[n]!;
      const start = bytes[2 * n]!;
      const end = bytes[2 * n + 1]!;
      // The bytes to cut must read as exactly the text to hide: if they did not, the
      // redaction would land beside the match and the match would go upstream.
      if (literalText(body, start, end) !== edit.text.slice(s.start, s.end)) return null;
      let label = labelBytes.get(s.label);
      if (!label) labelBytes.set(s.label, (label = Buffer.from(JSON.stringify(s.label).slice(1, -1))));
      starts.push(start);
      ends.push(end);
      labels.push(label);
    }
  }
  // Edits of different strings, in body order.
  const order = starts.map((_, i) => i);
  if (edits.length > 1) order.sort((x, y) => starts[x]! - starts[y]!);
  let size = body.length;
  let last = 0;
  for (const i of order) {
    if (starts[i]! < last) return null; // overlapping cuts: cannot happen, never guess
    last = ends[i]!;
    size += labels[i]!.length - (ends[i]! - starts[i]!);
  }
  const out = Buffer.allocUnsafeSlow(size);
  let from = 0;
  let to = 0;
  for (const i of order) {
    to += body.copy(out, to, from, starts[i]!);
    to += labels[i]!.copy(out, to);
    from = ends[i]!;
  }
  body.copy(out, to, from);
  return out;
}

/**
 * The byte offsets of the quotes around the string at `path`, as JSON.parse reads it (of
 * duplicate keys, the last one); null if there is no string there. Only the values along
 * the path are entered; the others are skipped without recursion, however deep.
 */
export function locateString(body: Buffer, path: readonly Key[]): { open: number; close: number } | null {
  let i = skipSpace(body, 0);
  let depth = 0;
  for (;;) {
    if (depth === path.length) {
      if (body[i] !== QUOTE) return null;
      const close = stringEnd(body, i);
      return close < 0 ? null : { open: i, close };
    }
    const key = path[depth]!;
    let found = -1;
    if (body[i] === 0x7b && typeof key === 'string') {
      // { "k": v, ... }: the value of the last member named `key`.
      i = skipSpace(body, i + 1);
      if (body[i] === 0x7d) return null;
      for (;;) {
        if (body[i] !== QUOTE) return null;
        const end = stringEnd(body, i);
        if (end < 0) return null;
        const name = keyText(body, i, end);
        i = skipSpace(body, end + 1);
        if (body[i] !== 0x3a) return null;
        i = skipSpace(body, i + 1);
        if (name === key) found = i;
        i = skipValue(body, i);
        if (i < 0) return null;
        i = skipSpace(body, i);
        if (body[i] === 0x2c) i = skipSpace(body, i + 1);
        else if (body[i] === 0x7d) break;
        else return null;
      }
    } else if (body[i] === 0x5b && typeof key === 'number') {
      // [ v0, v1, ... ]: element `key`.
      i = skipSpace(body, i + 1);
      for (let index = 0; body[i] !== 0x5d; index++) {
        if (index === key) {
          found = i;
          break;
        }
        i = skipValue(body, i);
        if (i < 0) return null;
        i = skipSpace(body, i);
        if (body[i] === 0x2c) i = skipSpace(body, i + 1);
        else if (body[i] !== 0x5d) return null;
      }
    } else {
      return null;
    }
    if (found < 0) return null;
    i = found;
    depth++;
  }
}

function skipSpace(body: Buffer, i: number): number {
  while (i < body.length) {
    const b = body[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
    i++;
  }
  return i;
}

/** The offset of the quote that closes the string opened at `open`; -1 if none. */
function stringEnd(body: Buffer, open: number): number {
  let i = open + 1;
  for (;;) {
    const q = body.indexOf(QUOTE, i);
    if (q < 0) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let slashes = 0;
    for (let j = q - 1; j > open && body[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return q;
    i = q + 1;
  }
}

/** The text of part of a string literal's bytes (cut between characters), as JSON.parse reads it. */
function literalText(body: Buffer, start: number, end: number): string {
  const raw = body.toString('utf8', start, end);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/** A member name as JSON.parse reads it (names are short; escapes are rare). */
function keyText(body: Buffer, open: number, close: number): string {
  const raw = body.toString('utf8', open, close + 1);
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/** The offset just past the value that starts at `i`; -1 if the text ends first. */
function skipValue(body: Buffer, i: number): number {
  let depth = 0;
  while (i < body.length) {
    const b = body[i]!;
    if (b === QUOTE) {
      const end = stringEnd(body, i);
      if (end < 0) return -1;
      i = end + 1;
    } else if (b === 0x7b || b === 0x5b) {
      depth++;
      i++;
    } else if (b === 0x7d || b === 0x5d) {
      if (depth === 0) return i; // the end of the enclosing container
      depth--;
      i++;
    } else if (depth === 0 && (b === 0x2c || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)) {
      return i; // the end of a number or literal
    } else {
      i++;
    }
    if (depth === 0 && (b === QUOTE || b === 0x7d || b === 0x5d)) return i;
  }
  return depth === 0 ? i : -1;
}

/**
 * Byte offsets, within the string literal's bytes [from, to), of UTF-16 offsets `units`
 * (ascending) of its text. Null if the literal's text is not `length` units long or an
 * offset falls inside a character (a surrogate pair written as four UTF-8 bytes).
 */
function unitsToBytes(body: Buffer, from: number, to: number, units: readonly number[], length: number): number[] | null {
  const out: number[] = [];
  // Plain ASCII (one byte, one unit) is most of a prompt: it is crossed four bytes at a
  // time, through a view of the body's aligned words.
  const base = body.byteOffset;
  const aligned = (base + 3) & ~3;
  const count = (base + body.length - aligned) >> 2;
  const words = count > 0 ? new Uint32Array(body.buffer, aligned, count) : NO_WORDS;
  let unit = 0;
  let i = from;
  // Up to each offset in turn, then on to the end (the whole text must be `length` long).
  for (let k = 0; k <= units.length; k++) {
    const target = k < units.length ? units[k]! : length;
    while (unit < target && i < to) {
      if (((base + i) & 3) === 0) {
        const first = (base + i - aligned) >> 2;
        const last = first + (Math.min(target - unit, to - i) >> 2);
        let w = first;
        while (w < last && plainAscii(words[w]!)) w++;
        if (w > first) {
          i += (w - first) << 2;
          unit += (w - first) << 2;
          continue;
        }
      }
      const b = body[i]!;
      if (b === BACKSLASH) {
        i += body[i + 1] === 0x75 ? 6 : 2; // \uXXXX, or \n and the like: one unit each
        unit += 1;
      } else if (b < 0x80) {
        i += 1;
        unit += 1;
      } else if (b >= 0xf0) {
        i += 4;
        unit += 2;
      } else {
        i += b >= 0xe0 ? 3 : 2;
        unit += 1;
      }
    }
    if (unit !== target) return null; // inside a character, or past the text's end
    if (k < units.length) out.push(i);
  }
  return i === to ? out : null;
}

/** Four bytes, each ASCII and none a backslash (each one UTF-16 unit of the text). */
function plainAscii(word: number): boolean {
  const x = word ^ 0x5c5c5c5c; // a zero byte where a backslash was
  return (word & 0x80808080) === 0 && ((x - 0x01010101) & ~x & 0x80808080) === 0;
}

/**
 * The first key that appears twice in one object of `body` (a JSON text JSON.parse
 * accepted), or null. JSON.parse keeps the last of them; a gateway's parser may keep the
 * first, and would then act on a value no filter saw. Iterative: any depth.
 */
export function repeatedKey(body: Buffer): string | null {
  /** One entry per open container: the keys seen so far in an object, null for an array. */
  const open: (Set<string> | null)[] = [];
  let i = 0;
  while (i < body.length) {
    const b = body[i]!;
    if (b === QUOTE) {
      const end = stringEnd(body, i);
      if (end < 0) return null;
      const keys = open[open.length - 1];
      // In JSON text a string followed by a colon is a member name.
      if (keys && body[skipSpace(body, end + 1)] === 0x3a) {
        const key = keyText(body, i, end);
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = end + 1;
      continue;
    }
    if (b === 0x7b) open.push(new Set());
    else if (b === 0x5b) open.push(null);
    else if (b === 0x7d || b === 0x5d) open.pop();
    i++;
  }
  return null;
}
