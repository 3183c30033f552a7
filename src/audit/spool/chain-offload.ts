// Chaining big records off the main thread. A record whose prompt and response hold
// megabytes costs tens of ms to turn into a spool entry (NUL replacement, JSON escaping
// twice: for the spool line and for the canonical text, SHA-256 of it all, UTF-8 encoding
// and the checksum), all in one task on the event loop that serves every other call. The
// chain worker (chain-worker.ts) does that work from the chain's current position and
// sends back the entry's bytes and its hash. The caller keeps the chain's order: while a
// record is out, the records after it wait (see SpooledAuditLog.write).
//
// The shipper's side is the same: a big spool line is checked and parsed in the worker,
// and against a Postgres server its long texts come back as UTF-8 bytes that the insert
// sends as they are (ship-row.ts), so this thread neither decodes nor re-encodes them.
//
// The worker starts on the first big record and is replaced after a crash; a job that
// fails for any reason is reported as such and the caller chains the record itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChainPosition } from '../chain.js';
import type { AuditRecord } from '../record.js';
import { WorkerJobs } from '../../worker-jobs.js';
import { TEXT_COLUMNS, type ShipRow } from './ship-row.js';

export interface ChainJob {
  readonly type: 'chain';
  readonly id: number;
  readonly record: AuditRecord;
  readonly maxTextChars: number;
  readonly chainId: string;
  readonly position: ChainPosition | null;
}

/** A big spool line to check and parse; `textAsBytes`: long texts come back as their UTF-8 bytes. */
export interface DecodeJob {
  readonly type: 'decode';
  readonly id: number;
  readonly line: Uint8Array;
  readonly textAsBytes: boolean;
}

export type OffloadJob = ChainJob | DecodeJob;

export type ChainReply =
  | { readonly id: number; readonly ok: true; readonly entry: Uint8Array; readonly seq: number; readonly hash: string }
  | { readonly id: number; readonly ok: true; readonly row: Record<string, unknown> | null }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** A record built off the main thread: its whole spool entry, and where the chain now stands. */
export interface ChainedEntry {
  readonly entry: Buffer;
  readonly position: ChainPosition;
}

/** Text characters (prompt plus response) from which a record is chained in the worker. */
export const DEFAULT_BIG_RECORD_CHARS = 128 * 1024;
/** Spool lines of at least this many bytes are parsed in the worker. */
export const BIG_LINE_BYTES = 128 * 1024;

export class ChainOffload {
  readonly #jobs: WorkerJobs<OffloadJob, ChainReply>;

  private constructor(url: URL) {
    this.#jobs = new WorkerJobs(url, 'chain worker');
  }

  /** Null when the worker script is missing (a source checkout not built): records are chained on this thread. */
  static create(url: URL = defaultWorkerUrl()): ChainOffload | null {
    return existsSync(fileURLToPath(url)) ? new ChainOffload(url) : null;
  }

  /** The record's spool entry, chained after `position`; rejects if the worker could not make it. */
  async chain(record: AuditRecord, maxTextChars: number, chainId: string, position: ChainPosition | null): Promise<ChainedEntry> {
    // Only what toRow keeps goes to the worker, with the whole length: a slice costs
    // nothing here, copying the whole text into the message does.
    const sent: AuditRecord = {
      ...record,
      prompt: head(record.prompt, maxTextChars),
      promptChars: record.promptChars ?? record.prompt?.length,
      response: head(record.response, maxTextChars),
      responseChars: record.responseChars ?? record.response?.length,
    };
    const reply = await this.#jobs.run((id) => ({ type: 'chain', id, record: sent, maxTextChars, chainId, position }), []);
    if (!('entry' in reply)) throw new Error('chain worker: unexpected reply');
    const entry = Buffer.from(reply.entry.buffer, reply.entry.byteOffset, reply.entry.byteLength);
    return { entry, position: { seq: reply.seq, hash: reply.hash } };
  }

  /**
   * The row in a big spool line, as decodeEntry gives it (null for a damaged line), with
   * long prompt and response texts as their UTF-8 bytes when `textAsBytes`. The line is
   * copied: the caller may reuse its memory.
   */
  async decode(line: Buffer, textAsBytes: boolean): Promise<ShipRow | null> {
    const copy = new Uint8Array(line);
    const reply = await this.#jobs.run((id) => ({ type: 'decode', id, line: copy, textAsBytes }), [copy.buffer]);
    if (!('row' in reply)) throw new Error('chain worker: unexpected reply');
    const row = reply.row;
    if (row === null) return null;
    for (const col of TEXT_COLUMNS) {
      const v = row[col];
      if (v instanceof Uint8Array) row[col] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    return row as ShipRow;
  }

  close(): Promise<void> {
    return this.#jobs.close();
  }
}

/** The first `max` characters of the text (all of it when shorter), as a slice. */
function head(text: string | null, max: number): string | null {
  return text !== null && text.length > max ? text.slice(0, max) : text;
}

/** The text a record holds in prompt and response, the part that grows with the call. */
export function recordTextChars(record: AuditRecord): number {
  return (record.promptChars ?? record.prompt?.length ?? 0) + (record.responseChars ?? record.response?.length ?? 0);
}

function defaultWorkerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL('../../../dist/src/audit/spool/chain-worker.js', here);
  return new URL('./chain-worker.js', here);
}
