// Segment files in the spool directory: `audit-<seq>.v1.spool`, where seq is the creation
// time in ms (bumped past the previous segment's when the clock stands still or goes back),
// zero-padded so names sort in append order. The `v1` names the entry format.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NEWLINE } from './entry-format.js';

const SEGMENT_NAME = /^audit-(\d{16})\.v1\.spool$/;

export interface SegmentFile {
  readonly seq: number;
  readonly path: string;
  readonly bytes: number;
}

export function segmentFileName(seq: number): string {
  return `audit-${String(seq).padStart(16, '0')}.v1.spool`;
}

/** The segments in `dir`, oldest first. Other files (the rejects file, strays) are left alone. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const found: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    found.push({ seq: Number(m[1]), path, bytes: (await stat(path)).size });
  }
  return found.sort((a, b) => a.seq - b.seq);
}

/**
 * fsync of the directory, so a newly created segment's name survives a power cut along
 * with its fsync'd data. Platforms that cannot open a directory for sync have nothing to do.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch (err) {
    if (isCode(err, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    if (!isCode(err, 'EINVAL', 'EBADF')) throw err;
  } finally {
    await fh.close();
  }
}

/** Complete (newline-terminated) entries in the first `bytes` of a segment, read in chunks. */
export async function countEntries(path: string, bytes: number, chunkBytes: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(bytes, 1)));
    let count = 0;
    for (let pos = 0; pos < bytes; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, bytes - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(NEWLINE); i !== -1 && i < bytesRead; i = buf.indexOf(NEWLINE, i + 1)) count++;
      pos += bytesRead;
    }
    return count;
  } finally {
    await fh.close();
  }
}

export function isCode(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}
