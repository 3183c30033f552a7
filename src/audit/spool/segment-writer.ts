// The appending side of the spool, with group commit: append() only buffers (it is on the
// request path); a timer writes everything buffered as one write() and one fdatasync, so
// one fsync makes many records durable. Commits run one at a time; while one waits on
// the disk, the next batch gathers. Segments roll over at a size or an age.
//
// A failed write or fsync abandons the segment: after a failed fsync the kernel may have
// dropped the dirty pages and a retried fsync can succeed without them (the PostgreSQL
// "fsyncgate" lesson), so the batch is kept in memory and written again to a new segment.
// The abandoned segment keeps its earlier, fsync'd entries; the shipper reads no further.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Backoff } from './backoff.js';
import { deferred, type Deferred } from './deferred.js';
import { encodeEntries, type SpoolItem } from './entry-format.js';
import { AuditSpoolError } from './errors.js';
import type { SpoolLedger } from './ledger.js';
import { isCode, segmentFileName, syncDir } from './segment-files.js';
import type { SpoolLimits, SpoolListener } from './types.js';

export interface SegmentWriterProps {
  readonly dir: string;
  readonly ledger: SpoolLedger;
  readonly limits: Pick<SpoolLimits, 'commitMs' | 'segmentMaxBytes' | 'segmentMaxAgeMs' | 'maxBackoffMs'>;
  readonly now: () => number;
  /** Makes written data durable (fdatasync by default); tests watch or fail it. */
  readonly sync: (fh: FileHandle) => Promise<void>;
  readonly onEvent: SpoolListener;
}

interface ActiveSegment {
  readonly seq: number;
  readonly fh: FileHandle;
  readonly ageTimer: NodeJS.Timeout;
  bytes: number;
}

export class SegmentWriter {
  readonly #props: SegmentWriterProps;
  readonly #backoff: Backoff;
  #jsons: SpoolItem[] = [];
  #bytes = 0;
  /** Settles when the buffered entries are durable; shared by all of them. */
  #batch: Deferred | null = null;
  /** When the oldest buffered entry arrived. */
  #bufferedSince: number | null = null;
  #active: ActiveSegment | null = null;
  #lastSeq = 0;
  #timer: NodeJS.Timeout | null = null;
  /** The queue of disk operations: commits and seals run one at a time, in order. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #commits = 0;
  #lastCommitAt: number | null = null;
  #errors = 0;
  #lastError: string | null = null;

  constructor(props: SegmentWriterProps) {
    this.#props = props;
    this.#backoff = new Backoff(Math.max(props.limits.commitMs, 100), props.limits.maxBackoffMs);
  }

  /**
   * Buffers one entry (the caller checked the caps); the promise settles with its commit.
   * `urgent`: someone waits on it (strict mode), so commit at the next turn of the event
   * loop instead of at the end of the interval; entries arriving while that fsync runs
   * share the following commit, so waiters still group.
   */
  append(json: SpoolItem, size: number, urgent = false): Promise<void> {
    this.#jsons.push(json);
    this.#bytes += size;
    this.#bufferedSince ??= this.#props.now();
    this.#batch ??= deferred();
    if (urgent && !this.#backoff.failing) this.#clearTimer();
    this.#schedule(urgent ? 0 : this.#props.limits.commitMs);
    return this.#batch.promise;
  }

  get bufferedBytes(): number {
    return this.#bytes;
  }

  get bufferedEntries(): number {
    return this.#jsons.length;
  }

  get bufferedSince(): number | null {
    return this.#bufferedSince;
  }

  /** True while the disk refuses commits (the last one failed). */
  get failing(): boolean {
    return this.#backoff.failing;
  }

  get commits(): number {
    return this.#commits;
  }

  get lastCommitAt(): number | null {
    return this.#lastCommitAt;
  }

  get errors(): number {
    return this.#errors;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  /** Commits now; true when everything buffered before the call is durable. */
  async flush(): Promise<boolean> {
    this.#clearTimer();
    await this.#enqueue(() => this.#commit());
    return !this.#backoff.failing;
  }

  /** Commits what is buffered, seals the open segment, stops the timers. False if the last commit failed. */
  async close(): Promise<boolean> {
    const ok = await this.flush();
    this.#closed = true;
    this.#clearTimer();
    await this.#enqueue(() => this.#seal());
    return ok;
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#closed) return; // a commit is already due
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#enqueue(() => this.#commit());
    }, ms);
    // A due commit holds the process open for its few ms (records are not left unsynced
    // by an exit); a retry against a failing disk does not hold it open forever.
    if (this.#backoff.failing) this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    // An op that threw (a bug: commits keep their failures in state) must not stop the queue.
    this.#queue = this.#queue.catch(() => {}).then(op);
    return this.#queue;
  }

  /** Never throws: a failure is kept in state, reported, and retried after a backoff. */
  async #commit(): Promise<void> {
    const jsons = this.#jsons;
    const bytes = this.#bytes;
    const batch = this.#batch;
    const since = this.#bufferedSince;
    this.#jsons = [];
    this.#bytes = 0;
    this.#batch = null;
    this.#bufferedSince = null;
    // With nothing buffered, a healthy spool has nothing to do; a failing one still opens a
    // segment below: that is the probe that tells whether the disk takes writes again.
    if (jsons.length === 0 && !this.#backoff.failing) return;
    try {
      const seg = await this.#ensureSegment();
      if (jsons.length > 0) {
        const buf = encodeEntries(jsons, bytes);
        for (let off = 0; off < buf.length; ) off += (await seg.fh.write(buf, off, buf.length - off)).bytesWritten;
        await this.#props.sync(seg.fh);
        seg.bytes += bytes;
        const at = this.#props.now();
        this.#props.ledger.committed(seg.seq, bytes, jsons.length, at);
        this.#commits++;
        this.#lastCommitAt = at;
      }
      if (this.#backoff.failing) {
        this.#backoff.reset();
        this.#props.onEvent({ type: 'spool_restored' });
      }
      batch?.resolve();
      if (seg.bytes >= this.#props.limits.segmentMaxBytes) await this.#seal();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // Back in front of whatever arrived meanwhile, so the spool keeps call order.
      this.#jsons = jsons.concat(this.#jsons);
      this.#bytes += bytes;
      this.#bufferedSince = since ?? this.#bufferedSince;
      batch?.reject(new AuditSpoolError('spool_io', `audit spool write failed: ${error.message}`, { cause: error }));
      this.#errors++;
      this.#lastError = error.message;
      // The segment keeps what was fsync'd before; the retry goes to a new one.
      await this.#seal();
      const retryMs = this.#backoff.fail();
      this.#props.onEvent({ type: 'spool_failed', error, buffered: this.#jsons.length });
      this.#clearTimer();
      this.#schedule(retryMs);
    }
  }

  async #ensureSegment(): Promise<ActiveSegment> {
    if (this.#active) return this.#active;
    // After the segments found at start, and after any name tried before.
    const seq = Math.max(this.#props.now(), this.#lastSeq + 1, (this.#props.ledger.tail()?.seq ?? 0) + 1);
    this.#lastSeq = seq; // taken even if the open fails, so a retry never reuses a name
    const path = join(this.#props.dir, segmentFileName(seq));
    let fh: FileHandle;
    try {
      fh = await open(path, 'ax');
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err;
      // The directory went away (an operator cleaning up): make it again rather than stop.
      await mkdir(this.#props.dir, { recursive: true });
      fh = await open(path, 'ax');
    }
    try {
      await syncDir(this.#props.dir);
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
    this.#props.ledger.add(seq, path, { bytes: 0, entries: 0, at: this.#props.now(), sealed: false });
    const ageTimer = setTimeout(() => {
      void this.#enqueue(async () => {
        if (this.#active?.seq === seq) await this.#seal();
      });
    }, this.#props.limits.segmentMaxAgeMs);
    ageTimer.unref();
    this.#active = { seq, fh, ageTimer, bytes: 0 };
    return this.#active;
  }

  /** No more appends to the open segment: the shipper may delete it once it is shipped. */
  async #seal(): Promise<void> {
    const seg = this.#active;
    if (!seg) return;
    this.#active = null;
    clearTimeout(seg.ageTimer);
    this.#props.ledger.seal(seg.seq);
    await seg.fh.close().catch(() => {});
  }
}
