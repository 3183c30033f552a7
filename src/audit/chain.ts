// Tamper evidence: each writer (one per process start) keeps a hash chain over the records
// it writes, in the order it writes them. A record's hash is SHA-256 (hex) over the
// canonical form of its content (src/audit/canonical.ts), which includes its chain id, its
// position and the previous record's hash; so changing any stored field breaks that
// record's hash, and deleting, re-ordering or rewriting a record breaks the link or the
// sequence of the next one. Pure: no I/O, no clock.
import type { AuditRow, NewAuditRow } from '../db/schema.js';
import { sha256Hex } from '../ids.js';
import { canonicalRecord, insertedRowTexts, type ChainLink, type RowSource } from './canonical.js';

export interface ChainPosition {
  /** The sequence number of the last record chained (the first record gets 1). */
  readonly seq: number;
  /** That record's hash. */
  readonly hash: string;
}

export function recordHash(row: Partial<NewAuditRow> | Partial<AuditRow>, source: RowSource, link?: ChainLink): string {
  return sha256Hex(canonicalRecord(row, source, link));
}

const CHAIN_FIELDS = ['chain_id', 'chain_seq', 'prev_hash', 'hash'] as const;

export class HashChain {
  readonly chainId: string;
  #seq: number;
  #hash: string | null;

  /** `resume`: carry on a chain whose last record is known (e.g. kept by a durable spool). */
  constructor(chainId: string, resume?: ChainPosition) {
    if (chainId === '') throw new Error('a chain needs an id');
    this.chainId = chainId;
    this.#seq = resume?.seq ?? 0;
    this.#hash = resume?.hash ?? null;
  }

  /** The row with its chain fields filled in; the next call links to it. */
  next(row: NewAuditRow): NewAuditRow {
    const linked: NewAuditRow = { ...row, chain_id: this.chainId, chain_seq: this.#seq + 1, prev_hash: this.#hash };
    const hash = recordHash(linked, 'inserted');
    this.#seq += 1;
    this.#hash = hash;
    return { ...linked, hash };
  }

  /**
   * The same row as next(), as the JSON text JSON.stringify would give for it: the row's
   * own text with the chain fields appended. No copy of the row is made (spreading a row
   * of some forty columns costs more than serialising it), and the row's text and its
   * canonical form are made in one pass (insertedRowTexts).
   */
  nextJson(row: NewAuditRow): string {
    if (CHAIN_FIELDS.some((f) => f in row)) return JSON.stringify(this.next(row));
    const { members, canonical } = insertedRowTexts(row, { chain_id: this.chainId, chain_seq: this.#seq + 1, prev_hash: this.#hash });
    const hash = sha256Hex(canonical);
    const fields = `"chain_id":${JSON.stringify(this.chainId)},"chain_seq":${this.#seq + 1},"prev_hash":${JSON.stringify(this.#hash)},"hash":"${hash}"}`;
    this.#seq += 1;
    this.#hash = hash;
    return members === '' ? `{${fields}` : `{${members},${fields}`;
  }

  /**
   * Moves to the record chained elsewhere from this chain's position() (in a worker, by
   * the same code): `position` is where that record left the chain.
   */
  advance(position: ChainPosition): void {
    if (position.seq !== this.#seq + 1) throw new Error(`chain position ${position.seq} does not follow ${this.#seq}`);
    this.#seq = position.seq;
    this.#hash = position.hash;
  }

  /** Where the chain stands: what a restarted writer passes as `resume`. */
  position(): ChainPosition | null {
    return this.#hash === null ? null : { seq: this.#seq, hash: this.#hash };
  }
}
