// The durable audit log: every record is appended to a local spool (group commit: one
// fsync per batch of records), and a shipper moves the spool into Postgres. The request
// path only serialises and buffers, and never waits on the database: while it is away
// the spool grows, up to a disk cap, and every record lands when it returns. Segments
// left by a crash are shipped on the next start. Strict callers await write(), which
// settles once the record is fsync'd, and ask accepting() before taking a call.
//
// Records are hash-chained (chain.ts) in write() order, which is spool order, before any
// cap can drop them: a dropped record leaves a gap that chain verification shows. A big
// record (megabytes of prompt or response) is chained in a worker (chain-offload.ts):
// the records written after it wait their turn, and are chained as soon as it is back.
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { uuidv7 } from '../../ids.js';
import { HashChain } from '../chain.js';
import { toRow, type AuditRecord } from '../record.js';
import { beforeDeadline, deadlineIn, msLeft, sleep } from './deadline.js';
import { deferred, rejected } from './deferred.js';
import { BIG_LINE_BYTES, ChainOffload, DEFAULT_BIG_RECORD_CHARS, recordTextChars } from './chain-offload.js';
import { decodeEntry, itemSize, type SpoolItem } from './entry-format.js';
import { AuditSpoolError } from './errors.js';
import { SpoolLedger, type SpoolPosition } from './ledger.js';
import { recoverSegments } from './recover.js';
import { SegmentWriter } from './segment-writer.js';
import { Shipper } from './shipper.js';
import { DEFAULT_SPOOL_LIMITS, type DropReason, type SpooledAuditStats, type SpoolLimits, type SpoolListener } from './types.js';

export interface SpooledAuditLogProps {
  readonly db: Kysely<DB>;
  /** The spool directory (DATA_DIR/spool); created if missing. */
  readonly dir: string;
  /** Most characters of prompt and of response kept in one record (as toRow truncates). */
  readonly maxTextChars: number;
  readonly limits?: Partial<SpoolLimits>;
  /** The hash chain records join; default: a new chain with a fresh UUIDv7 id. */
  readonly chain?: HashChain;
  /** Wall clock in ms, for segment names, ages and stats. */
  readonly now?: () => number;
  /** Makes appended bytes durable: fdatasync by default. Tests spy on it or make it fail. */
  readonly sync?: (fh: FileHandle) => Promise<void>;
  readonly onEvent?: SpoolListener;
  /**
   * Records with at least this many characters of prompt plus response are chained in a
   * worker thread, off the event loop; 0: every record on this thread. Default 128 Ki.
   */
  readonly bigRecordChars?: number;
  /**
   * Ship a big record's long texts as UTF-8 bytes (see ship-row.ts): for a Postgres
   * server only (the embedded database's driver would not read them as text).
   */
  readonly textAsBytes?: boolean;
}

/** Drop events are summed and told at most this often: a full disk must not flood the log. */
const DROP_REPORT_MS = 1_000;
/**
 * Rows per batch, at most (as AUDIT_BATCH_SIZE allows). The insert's parameters no longer
 * grow with the rows (one array per column), but a batch is held in memory, and retried
 * whole after an outage.
 */
const MAX_BATCH_ROWS = 1_600;

export class SpooledAuditLog {
  readonly #props: SpooledAuditLogProps;
  readonly #limits: SpoolLimits;
  readonly #now: () => number;
  readonly #onEvent: SpoolListener;
  readonly #chain: HashChain;
  readonly #ledger: SpoolLedger;
  readonly #writer: SegmentWriter;
  readonly #shipper: Shipper;
  readonly #waiters = new Set<() => void>();
  readonly #unreportedDrops = new Map<DropReason, number>();
  #lastDropReport = -Infinity;
  #dropTimer: NodeJS.Timeout | null = null;
  /** The disk cap refused a record; cleared by accepting() once there is room again. */
  #capHit = false;
  #closing: Promise<boolean> | null = null;
  #dropped = 0;
  #replayed = 0;
  /** Null until the first big record; false when the worker script is missing. */
  #offload: ChainOffload | null | false = null;
  /** Settles once every record taken so far is chained (a big one may be out in the worker). */
  #chained: Promise<void> = Promise.resolve();
  /** Records taken but not yet chained: behind, or being, a big record. */
  #unchained = 0;

  /** Opens the spool in `props.dir`, taking back the segments left there, and starts shipping them. */
  static async open(props: SpooledAuditLogProps): Promise<SpooledAuditLog> {
    const log = new SpooledAuditLog(props);
    const found = await recoverSegments(props.dir, log.#ledger, log.#limits.readChunkBytes);
    log.#replayed = found.entries;
    if (found.segments > 0) log.#onEvent({ type: 'recovered', segments: found.segments, records: found.entries, bytes: found.bytes });
    log.#shipper.kick();
    return log;
  }

  private constructor(props: SpooledAuditLogProps) {
    this.#props = props;
    this.#limits = checkLimits({ ...DEFAULT_SPOOL_LIMITS, ...props.limits });
    this.#now = props.now ?? Date.now;
    this.#onEvent = props.onEvent ?? (() => {});
    this.#chain = props.chain ?? new HashChain(uuidv7());
    this.#ledger = new SpoolLedger(() => this.#changed());
    this.#writer = new SegmentWriter({
      dir: props.dir,
      ledger: this.#ledger,
      limits: this.#limits,
      now: this.#now,
      sync: props.sync ?? ((fh) => fh.datasync()),
      onEvent: this.#onEvent,
    });
    this.#shipper = new Shipper({
      db: props.db,
      dir: props.dir,
      ledger: this.#ledger,
      limits: this.#limits,
      now: this.#now,
      onEvent: this.#onEvent,
      onLost: (n) => this.#drop('segment_missing', n),
      bigLines: {
        minBytes: BIG_LINE_BYTES,
        decode: async (line) => {
          const offload = this.#getOffload();
          return offload ? offload.decode(line, props.textAsBytes === true) : decodeEntry(line);
        },
      },
    });
  }

  /**
   * Takes one record: serialises it and buffers it for the next group commit. The promise
   * resolves once the record is fsync'd in the spool, and rejects (AuditSpoolError) when it
   * was dropped (disk cap, closed) or its commit failed (it is then kept and retried).
   * Ignoring the promise is safe: it never becomes an unhandled rejection.
   * `urgent`: the caller waits for durability (strict mode): commit without waiting for the interval.
   */
  write(record: AuditRecord, urgent = false): Promise<void> {
    if (this.#closing) return this.#drop('closed');
    const offload = this.#offloadFor(record);
    if (!offload && this.#unchained === 0) return this.#take(this.#chainHere(record), urgent);
    // In line behind the records still out: the chain, and so the spool, keeps write() order.
    this.#unchained++;
    const done = deferred();
    this.#chained = this.#chained.then(async () => {
      try {
        let item: SpoolItem | null = null;
        if (offload) {
          try {
            const out = await offload.chain(record, this.#props.maxTextChars, this.#chain.chainId, this.#chain.position());
            this.#chain.advance(out.position);
            item = out.entry;
          } catch {
            // The worker broke down: the same entry, made here.
          }
        }
        item ??= this.#chainHere(record);
        this.#take(item, urgent).then(done.resolve, done.reject);
      } catch (err) {
        done.reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.#unchained--;
      }
    });
    return done.promise;
  }

  #chainHere(record: AuditRecord): string {
    return this.#chain.nextJson(toRow(record, this.#props.maxTextChars));
  }

  /** The worker a big record is chained in; null for a small record, or when there is none. */
  #offloadFor(record: AuditRecord): ChainOffload | null {
    const min = this.#props.bigRecordChars ?? DEFAULT_BIG_RECORD_CHARS;
    if (min <= 0 || recordTextChars(record) < min) return null;
    return this.#getOffload();
  }

  /** The worker, started on first use; null when its script is missing or the log is closed. */
  #getOffload(): ChainOffload | null {
    this.#offload ??= ChainOffload.create() ?? false;
    return this.#offload || null;
  }

  /** Caps, then the buffer of the next group commit; the record is chained already. */
  #take(item: SpoolItem, urgent: boolean): Promise<void> {
    const size = itemSize(item);
    if (this.#ledger.bytes + this.#writer.bufferedBytes + size > this.#limits.maxBytes) {
      this.#capHit = true;
      return this.#drop('disk_cap');
    }
    if (this.#writer.bufferedBytes + size > this.#limits.maxBufferBytes) return this.#drop('buffer_cap');
    return this.#writer.append(item, size, urgent);
  }

  /**
   * False when a record written now could not be kept: the spool directory refuses writes,
   * the log is closed, or the disk cap was hit. After a hit it stays false until shipping
   * frees some room (an eighth of the cap, at most a segment), so readiness does not flap.
   */
  accepting(): boolean {
    if (this.#closing || this.#writer.failing) return false;
    const used = this.#ledger.bytes + this.#writer.bufferedBytes;
    const room = this.#limits.maxBytes - (this.#capHit ? Math.min(this.#limits.segmentMaxBytes, this.#limits.maxBytes / 8) : 0);
    if (used > room || used >= this.#limits.maxBytes) return false;
    this.#capHit = false;
    return true;
  }

  stats(): SpooledAuditStats {
    const ship = this.#shipper.stats();
    const backlog = this.#ledger.backlog + this.#writer.bufferedEntries + this.#unchained;
    const oldest = minOrNull(this.#ledger.oldestUnshippedAt(), this.#writer.bufferedSince);
    return {
      queued: backlog,
      written: ship.shipped,
      dropped: this.#dropped,
      writeErrors: ship.errors,
      lastError: ship.lastError,
      lastWriteAt: ship.lastShipAt === null ? null : new Date(ship.lastShipAt),
      accepting: this.accepting(),
      spoolBytes: this.#ledger.bytes,
      spoolSegments: this.#ledger.segments,
      backlogRecords: backlog,
      bufferedRecords: this.#writer.bufferedEntries,
      oldestUnshippedAgeMs: oldest === null ? null : Math.max(0, this.#now() - oldest),
      replayedRecords: this.#replayed,
      commits: this.#writer.commits,
      lastCommitAt: this.#writer.lastCommitAt === null ? null : new Date(this.#writer.lastCommitAt),
      spoolErrors: this.#writer.errors,
      lastSpoolError: this.#writer.lastError,
      tornEntries: ship.torn,
      corruptEntries: ship.corrupt,
      rejectedRecords: ship.rejected,
    };
  }

  /** Resolves true once every record taken so far (and every replayed one) is in Postgres; false at the timeout. */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const deadline = deadlineIn(timeoutMs);
    if (!(await beforeDeadline(this.#chained.then(() => true), deadline, false))) return false;
    while (!(await beforeDeadline(this.#writer.flush(), deadline, false))) {
      if (msLeft(deadline) === 0) return false;
      await sleep(Math.min(100, msLeft(deadline)));
    }
    return this.#shippedThrough(this.#ledger.tail(), deadline);
  }

  /**
   * Stops taking records, commits what is buffered, ships what it can before the timeout,
   * then stops. True when everything reached Postgres; what did not stays in the spool
   * for the next start.
   */
  close(timeoutMs = 10_000): Promise<boolean> {
    this.#closing ??= (async () => {
      const deadline = deadlineIn(timeoutMs);
      // Records taken before close() are chained and buffered first, then committed.
      const chained = await beforeDeadline(this.#chained.then(() => true), deadline, false);
      const durable = (await beforeDeadline(this.#writer.close(), deadline, false)) && chained;
      const lost = this.#writer.bufferedEntries;
      if (lost > 0) this.#drop('lost_at_close', lost);
      const shipped = await this.#shippedThrough(this.#ledger.tail(), deadline);
      // Let the shipper delete what it finished, or the next start ships it again.
      if (shipped) await beforeDeadline(this.#shipper.settle(), deadline, undefined);
      await beforeDeadline(this.#shipper.stop(), deadline, undefined);
      if (this.#offload) await this.#offload.close();
      this.#reportDrops(true);
      return durable && shipped;
    })();
    return this.#closing;
  }

  async #shippedThrough(target: SpoolPosition | null, deadline: number): Promise<boolean> {
    if (!target) return true;
    this.#shipper.kick();
    while (!this.#ledger.shippedThrough(target)) {
      const left = msLeft(deadline);
      if (left === 0) return false;
      await sleep(left, (wake) => this.#waiters.add(wake));
    }
    return true;
  }

  /** The ledger moved: new durable entries to ship, or shipping progress for drain(). */
  #changed(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    this.#shipper.kick();
  }

  #drop(reason: DropReason, count = 1): Promise<void> {
    this.#dropped += count;
    this.#unreportedDrops.set(reason, (this.#unreportedDrops.get(reason) ?? 0) + count);
    this.#reportDrops(false);
    const code = reason === 'closed' ? 'spool_closed' : 'spool_full';
    return rejected(new AuditSpoolError(code, `audit record dropped: ${reason}`));
  }

  #reportDrops(force: boolean): void {
    const wait = this.#lastDropReport + DROP_REPORT_MS - performance.now();
    if (!force && wait > 0) {
      // Told with the next report: drops that stop here must still reach logs and metrics.
      this.#dropTimer ??= setTimeout(() => {
        this.#dropTimer = null;
        this.#reportDrops(true);
      }, wait).unref();
      return;
    }
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#dropTimer = null;
    this.#lastDropReport = performance.now();
    for (const [reason, count] of this.#unreportedDrops) this.#onEvent({ type: 'dropped', reason, count });
    this.#unreportedDrops.clear();
  }
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function checkLimits(limits: SpoolLimits): SpoolLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`spool limit ${name} must be a positive integer, got ${value}`);
  }
  if (limits.batchRows > MAX_BATCH_ROWS) throw new RangeError(`spool limit batchRows must be at most ${MAX_BATCH_ROWS}`);
  if (limits.segmentMaxBytes > limits.maxBytes) throw new RangeError('spool limit segmentMaxBytes must not exceed maxBytes');
  return Object.freeze(limits);
}
