// Moves the spool into Postgres: reads the oldest segment in batches, inserts each batch
// idempotently, records progress in the ledger, and deletes a sealed segment once all of
// it is shipped. A failed insert keeps its batch in memory and is retried after a capped
// backoff; kicks from new commits are ignored meanwhile, so an outage costs one attempt
// per backoff, not one per group commit. Only one batch is held at a time; its rows go in
// a few statements side by side (shipConnections).
import { unlink } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { Backoff } from './backoff.js';
import { insertRows, isDataError } from './insert-rows.js';
import type { Segment, SpoolLedger } from './ledger.js';
import { appendRejected } from './rejects-file.js';
import { isCode } from './segment-files.js';
import { SegmentReader, type BigLineDecoder, type ReadBatch } from './segment-reader.js';
import { withTextStrings, type ShipRow } from './ship-row.js';
import type { SpoolLimits, SpoolListener } from './types.js';

export interface ShipperProps {
  readonly db: Kysely<DB>;
  /** The spool directory, where refused rows are kept. */
  readonly dir: string;
  readonly ledger: SpoolLedger;
  readonly limits: Pick<SpoolLimits, 'batchRows' | 'batchMaxBytes' | 'readChunkBytes' | 'shipConnections' | 'maxBackoffMs'>;
  readonly now: () => number;
  readonly onEvent: SpoolListener;
  /** Rows lost with a segment file that vanished (deleted by hand). */
  readonly onLost: (count: number) => void;
  /** Parses big lines off this thread; none: every line here. */
  readonly bigLines?: BigLineDecoder;
}

export interface ShipperStats {
  /** Rows sent to Postgres (a replayed duplicate counts; the insert ignores it). */
  readonly shipped: number;
  readonly errors: number;
  readonly lastError: string | null;
  readonly lastShipAt: number | null;
  readonly torn: number;
  readonly corrupt: number;
  readonly rejected: number;
}

/** A batch read from a segment and not yet all in Postgres; `done` rows are. */
interface PendingBatch {
  readonly seq: number;
  readonly rows: readonly ShipRow[];
  readonly entries: number;
  readonly end: number;
  done: number;
  /** Postgres refused a row of it: it goes one row at a time, also after a retry. */
  isolating: boolean;
}

export class Shipper {
  readonly #props: ShipperProps;
  readonly #backoff: Backoff;
  #reader: { readonly seq: number; readonly reader: SegmentReader } | null = null;
  #pending: PendingBatch | null = null;
  #running: Promise<void> | null = null;
  #kicked = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #shipped = 0;
  #errors = 0;
  #lastError: string | null = null;
  #lastShipAt: number | null = null;
  #torn = 0;
  #corrupt = 0;
  #rejected = 0;

  constructor(props: ShipperProps) {
    this.#props = props;
    this.#backoff = new Backoff(100, props.limits.maxBackoffMs);
  }

  /** There may be something to ship. Cheap and safe to call from anywhere, any number of times. */
  kick(): void {
    if (this.#stopped || this.#retryTimer) return; // a retry is due and will see the new work
    if (this.#running) {
      this.#kicked = true;
      return;
    }
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#run())
      .finally(() => {
        this.#running = null;
        if (this.#kicked) {
          this.#kicked = false;
          this.kick();
        }
      });
  }

  /** Resolves once the shipper has nothing left to do for now (shipped segments deleted). */
  async settle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops shipping after the batch in flight; resolves when it is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    await this.#running;
    await this.#reader?.reader.close().catch(() => {});
    this.#reader = null;
  }

  /** True while the database refuses batches (the last attempt failed). */
  get failing(): boolean {
    return this.#backoff.failing;
  }

  stats(): ShipperStats {
    return {
      shipped: this.#shipped,
      errors: this.#errors,
      lastError: this.#lastError,
      lastShipAt: this.#lastShipAt,
      torn: this.#torn,
      corrupt: this.#corrupt,
      rejected: this.#rejected,
    };
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped && (await this.#step())) {
        // Each step ships one batch or retires one segment. Yield to the event loop between
        // them: the embedded database runs on this thread, and a backlog shipped without a
        // pause would hold up every request in flight until it is gone.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#errors++;
      this.#lastError = error.message;
      const retryInMs = this.#backoff.fail();
      this.#props.onEvent({ type: 'ship_failed', error, rows: this.#pending?.rows.length ?? 0, retryInMs });
      if (this.#stopped) return;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.kick();
      }, retryInMs);
      this.#retryTimer.unref();
    }
  }

  /** One unit of work; false when there is nothing more to do for now. */
  async #step(): Promise<boolean> {
    if (!this.#pending) {
      const head = this.#props.ledger.head();
      if (!head) return false;
      const reader = this.#readerFor(head);
      let batch: ReadBatch | null = null;
      if (reader.offset < head.bytes) {
        batch = await this.#read(head, reader);
        if (!batch) return true; // the file vanished; its entries were written off
      }
      if (!batch || batch.entries === 0) {
        if (!head.sealed) return false; // shipped up to the durable end; wait for commits
        await this.#retire(head, reader);
        return true;
      }
      if (batch.corrupt > 0) {
        this.#corrupt += batch.corrupt;
        this.#props.onEvent({ type: 'skipped', kind: 'corrupt', segment: head.path, count: batch.corrupt });
      }
      this.#pending = { seq: head.seq, rows: batch.rows, entries: batch.entries, end: batch.end, done: 0, isolating: false };
    }
    const pending = this.#pending;
    await this.#ship(pending);
    this.#pending = null;
    this.#lastShipAt = this.#props.now();
    this.#props.ledger.shipped(pending.seq, pending.end, pending.entries);
    if (this.#backoff.failing) {
      this.#backoff.reset();
      this.#props.onEvent({ type: 'ship_restored', backlog: this.#props.ledger.backlog });
    }
    return true;
  }

  #readerFor(head: Segment): SegmentReader {
    if (this.#reader?.seq !== head.seq) {
      void this.#reader?.reader.close().catch(() => {});
      this.#reader = { seq: head.seq, reader: new SegmentReader(head.path, this.#props.limits.readChunkBytes, this.#props.bigLines ?? null) };
    }
    return this.#reader.reader;
  }

  /** The next batch, or null when the file is gone (its unshipped entries are lost and counted). */
  async #read(head: Segment, reader: SegmentReader): Promise<ReadBatch | null> {
    try {
      return await reader.next(head.bytes, { maxRows: this.#props.limits.batchRows, maxBytes: this.#props.limits.batchMaxBytes });
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err;
      const lost = head.entries - head.shippedEntries;
      this.#props.ledger.remove(head.seq);
      this.#reader = null;
      this.#props.onLost(lost);
      return null;
    }
  }

  async #ship(batch: PendingBatch): Promise<void> {
    if (!batch.isolating) {
      // The parts go side by side on separate connections, and all of them settle before
      // the batch is judged: a retry never overlaps a statement still running. A part that
      // landed before another failed is shipped again with the batch and adds nothing.
      const settled = await Promise.allSettled(splitRows(batch.rows, this.#props.limits.shipConnections).map((part) => insertRows(this.#props.db, part)));
      const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      const retryable = errors.find((err) => !isDataError(err));
      if (retryable !== undefined) throw retryable;
      if (errors.length === 0) {
        this.#shipped += batch.rows.length;
        batch.done = batch.rows.length;
        return;
      }
      batch.isolating = true;
    }
    // A row is refused for what it holds: find it by inserting one row at a time, set it
    // aside, ship the rest. A retry resumes at `done` (the embedded database's connection
    // can fail the query after such an error, which must not restart the whole batch).
    for (; batch.done < batch.rows.length; batch.done++) {
      const row = batch.rows[batch.done]!;
      try {
        await insertRows(this.#props.db, [row]);
        this.#shipped++;
      } catch (err) {
        if (!isDataError(err)) throw err;
        const file = await appendRejected(this.#props.dir, withTextStrings(row));
        this.#rejected++;
        this.#props.onEvent({ type: 'rejected', id: row.id, error: err as Error, file });
      }
    }
  }

  /** A sealed segment is shipped to its durable end: count a torn tail, then delete it. */
  async #retire(head: Segment, reader: SegmentReader): Promise<void> {
    // Bytes past the last newline within the durable end can only come from a crash mid-append.
    if (reader.offset < head.bytes) {
      this.#torn++;
      this.#props.onEvent({ type: 'skipped', kind: 'torn', segment: head.path, count: 1 });
    }
    await reader.close();
    this.#reader = null;
    try {
      await unlink(head.path);
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err;
    }
    this.#props.ledger.remove(head.seq);
  }
}

/** A part is not worth its own statement below this many rows. */
const MIN_PART_ROWS = 64;

/** The rows in up to `parts` contiguous parts of about equal size. */
export function splitRows<T>(rows: readonly T[], parts: number): (readonly T[])[] {
  const n = Math.max(1, Math.min(parts, Math.floor(rows.length / MIN_PART_ROWS)));
  const size = Math.ceil(rows.length / n);
  const out: (readonly T[])[] = [];
  for (let at = 0; at < rows.length; at += size) out.push(rows.slice(at, at + size));
  return out;
}
