// One spool entry per line: `<crc32 of the JSON, 8 hex digits> <JSON of the NewAuditRow>\n`.
// JSON.stringify escapes every newline inside strings, so a newline always ends an entry:
// a reader can resynchronise after a damaged line, and a final line without its newline is
// a torn append from a crash. The checksum catches the rest (a half-written block, zeros
// from a filesystem that extended the file but never wrote the data). Text lines also keep
// the spool readable with `cut -c10- | jq` when an operator needs to look.
import { crc32 } from 'node:zlib';
import type { NewAuditRow } from '../../db/schema.js';

/** Checksum (8), space (1), newline (1). */
export const ENTRY_OVERHEAD = 10;
export const NEWLINE = 0x0a;
const SPACE = 0x20;
const HEX8 = /^[0-9a-f]{8}$/;

/** Bytes the entry for this JSON text takes on disk. */
export function entrySize(json: string): number {
  return Buffer.byteLength(json) + ENTRY_OVERHEAD;
}

/**
 * A record ready for the spool: its JSON text, or its whole entry already encoded (by
 * encodeEntries, in a worker for a big record).
 */
export type SpoolItem = string | Buffer;

/** Bytes the item takes on disk. */
export function itemSize(item: SpoolItem): number {
  return typeof item === 'string' ? entrySize(item) : item.length;
}

/**
 * Encodes entries straight into one buffer of `totalBytes` (the sum of their itemSize):
 * one UTF-8 encoding per entry and no concatenation, since this runs once per group commit.
 * An encoded entry is copied as it is.
 */
export function encodeEntries(jsons: readonly SpoolItem[], totalBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(totalBytes);
  let at = 0;
  for (const json of jsons) {
    if (typeof json !== 'string') {
      buf.set(json, at);
      at += json.length;
      continue;
    }
    const body = at + 9;
    const len = buf.write(json, body, 'utf8');
    buf.write(crc32(buf.subarray(body, body + len)).toString(16).padStart(8, '0'), at, 'latin1');
    buf[at + 8] = SPACE;
    buf[body + len] = NEWLINE;
    at = body + len + 1;
  }
  if (at !== totalBytes) throw new Error(`spool entry sizes disagree: ${at} != ${totalBytes}`);
  return buf;
}

/** The row in one line (its newline excluded), or null when the line is damaged. */
export function decodeEntry(line: Buffer): NewAuditRow | null {
  if (line.length < ENTRY_OVERHEAD || line[8] !== SPACE) return null;
  const hex = line.toString('latin1', 0, 8);
  if (!HEX8.test(hex)) return null;
  const body = line.subarray(9);
  if (crc32(body) !== parseInt(hex, 16)) return null;
  try {
    const row: unknown = JSON.parse(body.toString('utf8'));
    // The checksum says these are the bytes we wrote; this guards against a foreign file.
    if (typeof row !== 'object' || row === null || typeof (row as { id?: unknown }).id !== 'string') return null;
    return row as NewAuditRow;
  } catch {
    return null;
  }
}
