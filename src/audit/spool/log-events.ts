// The spool's events as log lines, for the composition root: one place that decides what
// an operator must see (drops, refused rows, a failing disk) and what is routine.
import type { Logger } from '../../logger.js';
import type { SpoolListener } from './types.js';

export function spoolEventLogger(logger: Logger): SpoolListener {
  return (e) => {
    switch (e.type) {
      case 'recovered':
        return logger.warn({ segments: e.segments, records: e.records, bytes: e.bytes }, 'audit spool: shipping records left by the previous run');
      case 'spool_failed':
        return logger.error({ err: e.error.message, buffered: e.buffered }, 'audit spool: write failed; records kept in memory and retried, not accepting');
      case 'spool_restored':
        return logger.warn('audit spool: writes succeed again');
      case 'ship_failed':
        return logger.warn({ err: e.error.message, rows: e.rows, retryInMs: e.retryInMs }, 'audit spool: database insert failed; records stay in the spool');
      case 'ship_restored':
        return logger.info({ backlog: e.backlog }, 'audit spool: database inserts succeed again');
      case 'dropped':
        return logger.error({ reason: e.reason, count: e.count }, 'audit spool: records dropped');
      case 'skipped':
        return e.kind === 'torn'
          ? logger.warn({ segment: e.segment, count: e.count }, 'audit spool: skipped an entry torn by a crash')
          : logger.error({ segment: e.segment, count: e.count }, 'audit spool: skipped entries with a bad checksum');
      case 'rejected':
        return logger.error({ id: e.id, err: e.error.message, file: e.file }, 'audit spool: database refused a record; kept in the rejects file');
    }
  };
}
