// RETENTION_DAYS: records received more than that many days ago are removed. Whole day
// partitions past the cut-off are dropped (instant, no dead rows, no vacuum); what is
// left older than the cut-off (the part of the day that straddles it, and rows that
// landed in the default partition) is deleted in small batches, so no single statement
// holds locks or writes WAL for long. Every removal notes, per hash chain, how far it
// went (retention-marks.ts), so verification tells retention from tampering.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { dropPartitionsBefore } from '../db/partitions.js';
import { deleteBatchBefore, markPartitionRemoved } from './retention-marks.js';

const DAY_MS = 86_400_000;

export interface RetentionResult {
  readonly cutoff: Date;
  readonly droppedPartitions: readonly string[];
  readonly deletedRows: number;
}

export interface RetentionOptions {
  readonly days: number;
  readonly now?: Date;
  /** Rows per delete statement. */
  readonly batchSize?: number;
}

export async function applyRetention(db: Kysely<DB>, opts: RetentionOptions): Promise<RetentionResult> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.days * DAY_MS);
  const batchSize = opts.batchSize ?? 5_000;
  const droppedPartitions = await dropPartitionsBefore(db, cutoff, markPartitionRemoved);
  let deletedRows = 0;
  for (;;) {
    const n = await deleteBatchBefore(db, cutoff, batchSize);
    deletedRows += n;
    if (n < batchSize) break;
  }
  return { cutoff, droppedPartitions, deletedRows };
}

export interface RetentionSchedule {
  /** Runs now unless a run is in progress; resolves when that run ends. */
  run(): Promise<RetentionResult | null>;
  /** No more runs; resolves once the one in progress (if any) has ended. */
  stop(): Promise<void>;
}

/**
 * Applies retention now and every `intervalMs` (one run at a time). Failures go to
 * `onError` and the next run tries again.
 */
export function scheduleRetention(
  db: Kysely<DB>,
  opts: { days: number; intervalMs?: number; onRun?: (r: RetentionResult) => void; onError?: (err: Error) => void },
): RetentionSchedule {
  let running: Promise<RetentionResult | null> | null = null;
  let stopped = false;
  const run = () => {
    if (stopped) return Promise.resolve(null);
    running ??= applyRetention(db, { days: opts.days })
      .then(
        (r) => {
          opts.onRun?.(r);
          return r;
        },
        (err: Error) => {
          opts.onError?.(err);
          return null;
        },
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void run(), opts.intervalMs ?? 3_600_000);
  timer.unref();
  void run();
  return {
    run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
