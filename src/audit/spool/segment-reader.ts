// Reads one segment front to back in chunks, handing out batches of decoded rows. Memory
// stays at about one chunk (or one entry, when a single entry is larger than a chunk),
// whatever the segment's size. A damaged line is skipped and counted; what follows the
// last newline is left for the caller to judge: an entry still being appended, or, in a
// sealed segment, a torn one.
import { open, type FileHandle } from 'node:fs/promises';
import { decodeEntry, NEWLINE } from './entry-format.js';
import type { ShipRow } from './ship-row.js';

/** Decodes a big line elsewhere (a worker); same answer as decodeEntry, bytes for long texts allowed. */
export interface BigLineDecoder {
  /** Lines of at least this many bytes go to decode(). */
  readonly minBytes: number;
  decode(line: Buffer): Promise<ShipRow | null>;
}

export interface ReadBatch {
  readonly rows: ShipRow[];
  /** Lines consumed: the rows plus the damaged lines. */
  readonly entries: number;
  readonly corrupt: number;
  /** File offset just past the last line consumed. */
  readonly end: number;
}

export interface BatchLimits {
  readonly maxRows: number;
  /** Stop once the rows' entries reach this many bytes (one entry may exceed it alone). */
  readonly maxBytes: number;
}

export class SegmentReader {
  readonly #path: string;
  readonly #chunkBytes: number;
  readonly #big: BigLineDecoder | null;
  #fh: FileHandle | null = null;
  #buf: Buffer;
  /** File offset of #buf[0]. */
  #bufStart = 0;
  /** Valid bytes in #buf. */
  #bufLen = 0;
  /** Index in #buf of the first byte not yet consumed. */
  #cursor = 0;

  constructor(path: string, chunkBytes: number, big: BigLineDecoder | null = null) {
    this.#path = path;
    this.#chunkBytes = chunkBytes;
    this.#big = big;
    this.#buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** File offset of the first byte not yet consumed. */
  get offset(): number {
    return this.#bufStart + this.#cursor;
  }

  /** The next complete lines before file offset `limit`, up to the batch limits. */
  async next(limit: number, batch: BatchLimits): Promise<ReadBatch> {
    const rows: ShipRow[] = [];
    let corrupt = 0;
    let rowBytes = 0;
    let scanFrom = this.#cursor;
    while (rows.length < batch.maxRows && rowBytes < batch.maxBytes) {
      const nl = this.#buf.indexOf(NEWLINE, scanFrom);
      if (nl !== -1 && nl < this.#bufLen) {
        const line = this.#buf.subarray(this.#cursor, nl);
        const row = this.#big && line.length >= this.#big.minBytes ? await this.#decodeBig(this.#big, line) : decodeEntry(line);
        if (row) {
          rows.push(row);
          rowBytes += nl + 1 - this.#cursor;
        } else {
          corrupt++;
        }
        this.#cursor = nl + 1;
        scanFrom = this.#cursor;
        continue;
      }
      const fileEnd = this.#bufStart + this.#bufLen;
      if (fileEnd >= limit) break;
      // The bytes held so far have no newline: after the refill, scan only the new ones.
      const scanned = this.#bufLen - this.#cursor;
      await this.#fill(Math.min(this.#chunkBytes, limit - fileEnd));
      if (this.#bufStart + this.#bufLen === fileEnd) break; // the file ends before `limit`
      scanFrom = scanned;
    }
    return { rows, entries: rows.length + corrupt, corrupt, end: this.offset };
  }

  /** The worker's answer, or this thread's if the worker could not give one. */
  async #decodeBig(big: BigLineDecoder, line: Buffer): Promise<ShipRow | null> {
    try {
      return await big.decode(line);
    } catch {
      return decodeEntry(line);
    }
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close();
  }

  /** Drops consumed bytes, grows the buffer if one entry needs it, and reads up to `want` more. */
  async #fill(want: number): Promise<void> {
    const kept = this.#bufLen - this.#cursor;
    const needed = kept + want;
    if (needed > this.#buf.length || (this.#buf.length > 4 * this.#chunkBytes && needed <= this.#chunkBytes)) {
      const next = Buffer.allocUnsafe(Math.max(needed, this.#chunkBytes));
      this.#buf.copy(next, 0, this.#cursor, this.#bufLen);
      this.#buf = next;
    } else if (this.#cursor > 0) {
      this.#buf.copy(this.#buf, 0, this.#cursor, this.#bufLen);
    }
    this.#bufStart += this.#cursor;
    this.#bufLen = kept;
    this.#cursor = 0;
    this.#fh ??= await open(this.#path, 'r');
    const { bytesRead } = await this.#fh.read(this.#buf, kept, want, this.#bufStart + kept);
    this.#bufLen += bytesRead;
  }
}
