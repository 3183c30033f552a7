// Batched audit writes, off the request path: records queue in memory and go to Postgres
// as multi-row inserts (one statement per batch; single-row autocommit costs ~1 ms a row).
// Inserts are idempotent (same id twice = one row), so a batch retried after a timeout
// whose commit actually landed does not duplicate records. Every record is hash-chained
// in the order written (chain.ts); a record dropped from a full queue therefore shows as
// a gap when the chain is verified, as it should.
import type { Kysely } from 'kysely';
import type { DB, NewAuditRow } from '../db/schema.js';
import { uuidv7 } from '../ids.js';
import { HashChain } from './chain.js';
import { toRow, type AuditRecord } from './record.js';

export interface AuditWriterStats {
  readonly queued: number;
  readonly written: number;
  readonly dropped: number;
  readonly writeErrors: number;
  readonly lastError: string | null;
  readonly lastWriteAt: Date | null;
}

export interface AuditWriterProps {
  readonly db: Kysely<DB>;
  readonly batchSize: number;
  readonly flushMs: number;
  /** Most records held while the database is slow or away; past it the oldest are dropped. */
  readonly queueMax: number;
  readonly maxTextChars: number;
  readonly onError?: (err: Error, batchSize: number) => void;
  readonly onDrop?: (count: number) => void;
  /** The hash chain records join; default: a new chain with a fresh UUIDv7 id. */
  readonly chain?: HashChain;
}

const MAX_BACKOFF_MS = 5_000;

export class AuditWriter {
  readonly #props: AuditWriterProps;
  readonly #chain: HashChain;
  #queue: NewAuditRow[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #backoffMs = 0;
  #closed = false;
  #written = 0;
  #dropped = 0;
  #writeErrors = 0;
  #lastError: string | null = null;
  #lastWriteAt: Date | null = null;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(props: AuditWriterProps) {
    this.#props = props;
    this.#chain = props.chain ?? new HashChain(uuidv7());
  }

  write(record: AuditRecord): void {
    let row = toRow(record, this.#props.maxTextChars);
    row = this.#chain.next(row);
    this.#queue.push(row);
    const over = this.#queue.length - this.#props.queueMax;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.#dropped += over;
      this.#props.onDrop?.(over);
    }
    if (this.#queue.length >= this.#props.batchSize && this.#backoffMs === 0) this.#schedule(0);
    else this.#schedule(this.#backoffMs || this.#props.flushMs);
  }

  stats(): AuditWriterStats {
    return {
      queued: this.#queue.length,
      written: this.#written,
      dropped: this.#dropped,
      writeErrors: this.#writeErrors,
      lastError: this.#lastError,
      lastWriteAt: this.#lastWriteAt,
    };
  }

  /** Resolves once every record queued so far has been written (or `timeoutMs` passed). */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length > 0 || this.#flushing) {
      if (Date.now() >= deadline) return false;
      if (!this.#flushing) this.#schedule(0);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now())));
        this.#idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  async close(timeoutMs = 10_000): Promise<boolean> {
    const done = await this.drain(timeoutMs);
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    return done;
  }

  #schedule(ms: number): void {
    if (this.#closed || this.#flushing) return;
    if (this.#timer) {
      if (ms > 0) return; // a flush is already due
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = null;
        for (const w of this.#idleWaiters.splice(0)) w();
        if (this.#queue.length > 0) this.#schedule(this.#backoffMs || (this.#queue.length >= this.#props.batchSize ? 0 : this.#props.flushMs));
      });
    }, ms);
    this.#timer.unref?.();
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#props.batchSize);
      try {
        await this.#props.db
          .insertInto('audit_records')
          .values(batch)
          .onConflict((oc) => oc.columns(['id', 'received_at']).doNothing())
          .execute();
      } catch (err) {
        // Keep the batch at the head of the queue and back off; the queue cap bounds memory.
        this.#writeErrors++;
        this.#lastError = (err as Error).message;
        this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, this.#backoffMs * 2));
        this.#props.onError?.(err as Error, batch.length);
        return;
      }
      // Remove exactly the rows written: the queue may have been trimmed meanwhile.
      const start = this.#queue.indexOf(batch[0]!);
      if (start >= 0) this.#queue.splice(start, batch.length);
      this.#written += batch.length;
      this.#lastWriteAt = new Date();
      this.#backoffMs = 0;
    }
  }
}
