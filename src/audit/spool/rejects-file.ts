// Rows Postgres refused outright go to `rejected.v1.spool` beside the segments, in the
// same entry format, instead of blocking the shipper behind them forever. The file is
// never deleted by the sidecar: an operator can fix the rows and ship them by hand.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { NewAuditRow } from '../../db/schema.js';
import { encodeEntries, entrySize } from './entry-format.js';

export const REJECTS_FILE = 'rejected.v1.spool';

/** Appends the row durably; returns the file's path. */
export async function appendRejected(dir: string, row: NewAuditRow): Promise<string> {
  const path = join(dir, REJECTS_FILE);
  const json = JSON.stringify(row);
  const fh = await open(path, 'a');
  try {
    await fh.appendFile(encodeEntries([json], entrySize(json)));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return path;
}
