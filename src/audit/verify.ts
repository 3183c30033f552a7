// Verifying the hash chains (chain.ts) of the records received in a time range: every
// record's hash is recomputed from its stored content, and each record must follow the
// one before it in its chain (next sequence number, prev_hash = that record's hash).
// Records are walked chain by chain in sequence order, in bounded pages, so memory stays
// flat however many records the range holds; the first break ends the walk.
//
// What verification cannot show:
//   - the first record of each chain in the range is the anchor: its own hash is checked,
//     not its link to records before the range (they may be gone to retention), and
//     records missing at or below what retention removed of a chain (retention-marks.ts)
//     are taken as removed by it;
//   - records removed from the end of a chain leave nothing behind to notice;
//   - someone able to rewrite a record and every later record of its chain, hashes
//     included, makes a consistent chain: the hashes prove integrity against edits
//     and deletions, not against a writer-level forgery; keep exported hashes elsewhere.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { recordHash } from './chain.js';
import { EXPORT_COLUMNS, ROW_BYTES, type ExportedRow } from './export.js';
import { DEFAULT_PAGE_LIMITS, walkPages, type KeysetSource, type PageLimits } from './pages.js';
import { removedThrough } from './retention-marks.js';

export type BreakReason = 'hash mismatch' | 'missing record (gap in seq)' | 'prev_hash mismatch';

export interface ChainBreak {
  readonly id: string;
  readonly chainId: string;
  readonly seq: number;
  readonly reason: BreakReason;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Records whose hash and link were checked (including the few outside the range that link two in it). */
  readonly checked: number;
  readonly chains: number;
  /** Records in the range written before hash chaining existed: not checkable. */
  readonly unchained: number;
  readonly firstBreak: ChainBreak | null;
  readonly from: string | null;
  readonly to: string | null;
}

export interface VerifyRange {
  readonly from?: Date;
  readonly to?: Date;
}

type ChainedRow = ExportedRow & { chain_id: string; chain_seq: number; hash: string };

interface ChainKey {
  readonly chainId: string;
  readonly seq: number;
}

function rangeQuery(db: Kysely<DB>, range: VerifyRange) {
  let q = db.selectFrom('audit_records').where('chain_id', 'is not', null);
  if (range.from) q = q.where('received_at', '>=', range.from);
  if (range.to) q = q.where('received_at', '<', range.to);
  return q;
}

/** The chained records of the range, by (chain_id, chain_seq). */
function rangeSource(db: Kysely<DB>, range: VerifyRange): KeysetSource<ChainKey, ChainedRow> {
  const base = (after: ChainKey | null) => {
    let q = rangeQuery(db, range);
    if (after) q = q.where((eb) => eb(eb.refTuple('chain_id', 'chain_seq'), '>', eb.tuple(after.chainId, after.seq)));
    return q.orderBy('chain_id').orderBy('chain_seq');
  };
  return {
    async keys(after, limit) {
      const rows = await base(after).select(['chain_id', 'chain_seq', ROW_BYTES.as('bytes')]).limit(limit).execute();
      return rows.map((r) => ({ key: { chainId: r.chain_id!, seq: Number(r.chain_seq) }, bytes: Number(r.bytes) }));
    },
    async rows(after, through) {
      const rows = await base(after)
        .where((eb) => eb(eb.refTuple('chain_id', 'chain_seq'), '<=', eb.tuple(through.chainId, through.seq)))
        .select(EXPORT_COLUMNS)
        .execute();
      return rows as ChainedRow[];
    },
  };
}

/** Records of one chain with fromSeq <= seq < toSeq, wherever they were received. */
function betweenSource(db: Kysely<DB>, chainId: string, fromSeq: number, toSeq: number): KeysetSource<number, ChainedRow> {
  const base = (after: number | null) =>
    db
      .selectFrom('audit_records')
      .where('chain_id', '=', chainId)
      .where('chain_seq', '>=', after === null ? fromSeq : after + 1)
      .where('chain_seq', '<', toSeq)
      .orderBy('chain_seq');
  return {
    async keys(after, limit) {
      const rows = await base(after).select(['chain_seq', ROW_BYTES.as('bytes')]).limit(limit).execute();
      return rows.map((r) => ({ key: Number(r.chain_seq), bytes: Number(r.bytes) }));
    },
    async rows(after, through) {
      const rows = await base(after).where('chain_seq', '<=', through).select(EXPORT_COLUMNS).execute();
      return rows as ChainedRow[];
    },
  };
}

/** The state of the walk: the chain being checked and its last record. */
class ChainWalker {
  checked = 0;
  chains = 0;
  readonly #db: Kysely<DB>;
  readonly #limits: PageLimits;
  #chainId: string | null = null;
  #last: { seq: number; hash: string } | null = null;
  #removedThrough = 0;

  constructor(db: Kysely<DB>, limits: PageLimits) {
    this.#db = db;
    this.#limits = limits;
  }

  async push(row: ChainedRow): Promise<ChainBreak | null> {
    if (row.chain_id !== this.#chainId) {
      this.chains++;
      this.#chainId = row.chain_id;
      this.#last = null; // the first record of a chain in the range is its anchor
      this.#removedThrough = await removedThrough(this.#db, row.chain_id);
    } else if (this.#last && Number(row.chain_seq) > this.#last.seq + 1) {
      // The records in between may have been received outside the range (a call that
      // began before it, finished inside it): check them in their place in the chain.
      const between = betweenSource(this.#db, row.chain_id, this.#last.seq + 1, Number(row.chain_seq));
      for await (const page of walkPages(between, this.#limits)) {
        for (const r of page) {
          const broken = this.#step(r);
          if (broken) return broken;
        }
      }
    }
    return this.#step(row);
  }

  #step(row: ChainedRow): ChainBreak | null {
    this.checked++;
    const seq = Number(row.chain_seq);
    const broken = (reason: BreakReason): ChainBreak => ({ id: row.id, chainId: row.chain_id, seq, reason });
    if (recordHash(row, 'stored') !== row.hash) return broken('hash mismatch');
    const last = this.#last;
    if (last) {
      if (seq > last.seq + 1) {
        // Records that retention removed start the chain afresh after them; any other
        // missing record was deleted, or dropped by its writer before it was stored.
        if (seq - 1 > this.#removedThrough) return broken('missing record (gap in seq)');
      } else if (row.prev_hash !== last.hash) {
        return broken('prev_hash mismatch');
      }
    }
    this.#last = { seq, hash: row.hash };
    return null;
  }
}

export async function verifyChains(db: Kysely<DB>, range: VerifyRange, limits: PageLimits = DEFAULT_PAGE_LIMITS): Promise<VerifyResult> {
  const walker = new ChainWalker(db, limits);
  let firstBreak: ChainBreak | null = null;
  walk: for await (const page of walkPages(rangeSource(db, range), limits)) {
    for (const row of page) {
      firstBreak = await walker.push(row);
      if (firstBreak) break walk;
    }
  }
  let unchained = db.selectFrom('audit_records').select((eb) => eb.fn.countAll<number>().as('n')).where('chain_id', 'is', null);
  if (range.from) unchained = unchained.where('received_at', '>=', range.from);
  if (range.to) unchained = unchained.where('received_at', '<', range.to);
  const { n } = await unchained.executeTakeFirstOrThrow();
  return {
    ok: firstBreak === null,
    checked: walker.checked,
    chains: walker.chains,
    unchained: Number(n),
    firstBreak,
    from: range.from?.toISOString() ?? null,
    to: range.to?.toISOString() ?? null,
  };
}
