// Why write() did not make a record durable. A strict caller (AUDIT_REQUIRED) turns any of
// these into a failed call; the record itself is kept and retried when the code is
// `spool_io` (the disk refused a commit), and dropped (and counted) for the other two.
export const SPOOL_ERROR_CODES = ['spool_full', 'spool_closed', 'spool_io'] as const;
export type SpoolErrorCode = (typeof SPOOL_ERROR_CODES)[number];

export class AuditSpoolError extends Error {
  constructor(
    readonly code: SpoolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditSpoolError';
  }
}
