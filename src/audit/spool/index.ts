// The durable audit log: a local spool with group commit, shipped into Postgres.
export { SpooledAuditLog, type SpooledAuditLogProps } from './spooled-audit-log.js';
export { AuditSpoolError, SPOOL_ERROR_CODES, type SpoolErrorCode } from './errors.js';
export { REJECTS_FILE } from './rejects-file.js';
export { spoolEventLogger } from './log-events.js';
export {
  DEFAULT_SPOOL_LIMITS,
  type DropReason,
  type SpoolEvent,
  type SpoolLimits,
  type SpoolListener,
  type SpooledAuditStats,
} from './types.js';
