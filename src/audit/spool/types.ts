// The spool's knobs, its events and its stats: the vocabulary shared by the writer, the
// shipper and the facade, and what the composition root maps to config, logs and /readyz.

export interface SpoolLimits {
  /** Group commit: buffered entries are written and fsync'd at least this often. */
  readonly commitMs: number;
  /** A segment is sealed (and becomes deletable once shipped) past this size... */
  readonly segmentMaxBytes: number;
  /** ...or this age, so an idle spool does not keep a shipped segment around. */
  readonly segmentMaxAgeMs: number;
  /** The disk cap: segments plus the commit buffer. Past it records are dropped, and counted. */
  readonly maxBytes: number;
  /** Most bytes buffered in memory while the disk refuses writes; past it records are dropped. */
  readonly maxBufferBytes: number;
  /** Rows read from the spool and shipped as one unit (split over `shipConnections` statements). */
  readonly batchRows: number;
  /** Most bytes of rows per insert statement, so a few huge prompts cannot make one batch huge. */
  readonly batchMaxBytes: number;
  /** Bytes read from a segment at a time; a chunk usually holds several batches. */
  readonly readChunkBytes: number;
  /**
   * Insert statements of one batch run side by side, each on its own connection: most of
   * an insert's cost is the Postgres backend's CPU (trigram index upkeep), and one backend
   * uses one core.
   */
  readonly shipConnections: number;
  /** Backoff between failed ship attempts (and spool retries) doubles up to this. */
  readonly maxBackoffMs: number;
}

export const DEFAULT_SPOOL_LIMITS: SpoolLimits = Object.freeze({
  commitMs: 50,
  segmentMaxBytes: 8 * 1024 * 1024,
  segmentMaxAgeMs: 60_000,
  maxBytes: 1024 * 1024 * 1024,
  maxBufferBytes: 64 * 1024 * 1024,
  batchRows: 500,
  batchMaxBytes: 16 * 1024 * 1024,
  readChunkBytes: 1024 * 1024,
  shipConnections: 2,
  maxBackoffMs: 5_000,
});

/**
 * Why records were lost: the disk cap; the memory cap while the disk refuses writes; a
 * write() after close(); records still buffered when close() found the disk refusing; or
 * a segment file deleted by hand before it was shipped.
 */
export type DropReason = 'disk_cap' | 'buffer_cap' | 'closed' | 'lost_at_close' | 'segment_missing';

/** What the spool tells the logs. */
export type SpoolEvent =
  | { readonly type: 'recovered'; readonly segments: number; readonly records: number; readonly bytes: number }
  | { readonly type: 'spool_failed'; readonly error: Error; readonly buffered: number }
  | { readonly type: 'spool_restored' }
  | { readonly type: 'ship_failed'; readonly error: Error; readonly rows: number; readonly retryInMs: number }
  | { readonly type: 'ship_restored'; readonly backlog: number }
  | { readonly type: 'dropped'; readonly reason: DropReason; readonly count: number }
  /** A torn final entry (a crash mid-append) or a corrupt one (checksum mismatch) was skipped. */
  | { readonly type: 'skipped'; readonly kind: 'torn' | 'corrupt'; readonly segment: string; readonly count: number }
  /** Postgres refused a row's data (e.g. a NUL character in text): it was moved to the rejects file. */
  | { readonly type: 'rejected'; readonly id: string; readonly error: Error; readonly file: string };

export type SpoolListener = (event: SpoolEvent) => void;

/** What every audit log reports (readiness and metrics read these). */
export interface AuditLogStats {
  readonly queued: number;
  readonly written: number;
  readonly dropped: number;
  readonly writeErrors: number;
  readonly lastError: string | null;
  readonly lastWriteAt: Date | null;
}

export interface SpooledAuditStats extends AuditLogStats {
  /** (AuditLogStats) queued: records not yet in Postgres; written: rows shipped by this process. */
  readonly accepting: boolean;
  readonly spoolBytes: number;
  readonly spoolSegments: number;
  /** Same as `queued`: buffered plus spooled records not yet shipped. */
  readonly backlogRecords: number;
  /** Records taken by write() but not yet fsync'd. */
  readonly bufferedRecords: number;
  /** Age of the oldest record not yet in Postgres (to about a second), null when none. */
  readonly oldestUnshippedAgeMs: number | null;
  /** Records found in the spool at start (left by a crash or a database outage). */
  readonly replayedRecords: number;
  readonly commits: number;
  readonly lastCommitAt: Date | null;
  readonly spoolErrors: number;
  readonly lastSpoolError: string | null;
  readonly tornEntries: number;
  readonly corruptEntries: number;
  readonly rejectedRecords: number;
}
