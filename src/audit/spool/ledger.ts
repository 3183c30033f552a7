// The in-memory account of the spool: which segments exist, how far each is durable and
// how far it is shipped. The segment writer moves the durable end, the shipper the shipped
// end; stats, the disk cap and drain() read it. Never holds records, only counts. Every
// change is announced, so the shipper wakes for new entries and drain() for progress.

/** Commit times are kept at most once per this interval: enough for an age in seconds. */
const MARK_MS = 1_000;

interface SegmentState {
  readonly seq: number;
  readonly path: string;
  /** End of the complete, fsync'd entries: the shipper reads no further. */
  bytes: number;
  entries: number;
  shippedBytes: number;
  shippedEntries: number;
  /** No more appends: once shipped to `bytes`, the file can go. */
  sealed: boolean;
  /** When entries arrived, coarsely: [entries so far, time] pairs, oldest first. */
  readonly marks: [number, number][];
}

export type Segment = Readonly<SegmentState>;

/** A point in the spool: everything before it is in Postgres once the shipper passes it. */
export interface SpoolPosition {
  readonly seq: number;
  readonly bytes: number;
}

export class SpoolLedger {
  readonly #segments: SegmentState[] = [];
  readonly #onChange: () => void;
  #bytes = 0;
  #backlog = 0;

  /** `onChange` must not call back into the ledger synchronously (schedule work instead). */
  constructor(onChange: () => void = () => {}) {
    this.#onChange = onChange;
  }

  /** Adds a segment at the tail; `at` is when its first entries were written (replay: its creation). */
  add(seq: number, path: string, existing: { bytes: number; entries: number; at: number; sealed: boolean }): Segment {
    const last = this.#segments.at(-1);
    if (last && last.seq >= seq) throw new Error(`spool segment ${seq} is not after ${last.seq}`);
    const s: SegmentState = {
      seq,
      path,
      bytes: existing.bytes,
      entries: existing.entries,
      shippedBytes: 0,
      shippedEntries: 0,
      sealed: existing.sealed,
      marks: existing.entries > 0 ? [[existing.entries, existing.at]] : [],
    };
    this.#segments.push(s);
    this.#bytes += s.bytes;
    this.#backlog += s.entries;
    return s;
  }

  committed(seq: number, bytes: number, entries: number, at: number): void {
    const s = this.#get(seq);
    s.bytes += bytes;
    s.entries += entries;
    this.#bytes += bytes;
    this.#backlog += entries;
    const last = s.marks.at(-1);
    if (last && at - last[1] < MARK_MS) last[0] = s.entries;
    else s.marks.push([s.entries, at]);
    this.#onChange();
  }

  /** Tolerates a segment already written off (its file vanished): sealing is also the cleanup after a failure. */
  seal(seq: number): void {
    const s = this.#find(seq);
    if (!s) return;
    s.sealed = true;
    this.#onChange();
  }

  /** The shipper has handled the segment up to `toBytes`: `entries` more are in Postgres or skipped. */
  shipped(seq: number, toBytes: number, entries: number): void {
    const s = this.#get(seq);
    s.shippedBytes = toBytes;
    s.shippedEntries += entries;
    this.#backlog -= entries;
    while (s.marks.length > 0 && s.marks[0]![0] <= s.shippedEntries) s.marks.shift();
    this.#onChange();
  }

  /** The segment's file is gone. Entries it held beyond what was shipped (none, normally) leave the backlog. */
  remove(seq: number): void {
    const i = this.#segments.findIndex((s) => s.seq === seq);
    if (i < 0) return;
    const [s] = this.#segments.splice(i, 1);
    this.#bytes -= s!.bytes;
    this.#backlog -= s!.entries - s!.shippedEntries;
    this.#onChange();
  }

  /** The oldest segment: where the shipper works. */
  head(): Segment | undefined {
    return this.#segments[0];
  }

  get bytes(): number {
    return this.#bytes;
  }

  get segments(): number {
    return this.#segments.length;
  }

  /** Entries in the spool not yet shipped. */
  get backlog(): number {
    return this.#backlog;
  }

  /** When the oldest unshipped entry was committed (to about a second), or null. */
  oldestUnshippedAt(): number | null {
    for (const s of this.#segments) {
      if (s.shippedEntries < s.entries) return s.marks[0]?.[1] ?? null;
    }
    return null;
  }

  /** The end of everything durable so far. */
  tail(): SpoolPosition | null {
    const last = this.#segments.at(-1);
    return last ? { seq: last.seq, bytes: last.bytes } : null;
  }

  /** True once every entry before `pos` is shipped (or its segment deleted). */
  shippedThrough(pos: SpoolPosition): boolean {
    const head = this.#segments[0];
    if (!head || head.seq > pos.seq) return true;
    return head.seq === pos.seq && head.shippedBytes >= pos.bytes;
  }

  /**
   * Throws for a segment the ledger no longer has (its file was deleted by hand): a commit
   * to it must fail, so its records are written again to a new segment.
   */
  #get(seq: number): SegmentState {
    const s = this.#find(seq);
    if (!s) throw new Error(`spool segment ${seq} is gone`);
    return s;
  }

  /** From the tail: the writer's segment is the last, and a long outage can leave thousands. */
  #find(seq: number): SegmentState | undefined {
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      if (this.#segments[i]!.seq === seq) return this.#segments[i];
    }
    return undefined;
  }
}
