// The file system side of POLICY_DIR: which files are policies, how to tell that one
// changed, how to read one that may be being written, and how to write one atomically.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** `*.yaml` / `*.yml`; dot-files are skipped (editor swap files, our temp files, k8s `..data`). */
export function isPolicyFileName(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/i.test(name);
}

/** Policy file names in `dir`, sorted. Throws when the directory cannot be read. */
export async function listPolicyFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Symbolic links are followed (Kubernetes ConfigMap volumes are made of them).
  const names = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && isPolicyFileName(e.name)).map((e) => e.name);
  return names.sort();
}

/**
 * What tells a file's version apart without reading it: inode (a rename-over changes it),
 * size and nanosecond times. `missing` for a file that is not there.
 */
export async function fileStamp(path: string): Promise<string> {
  try {
    return stampOf(await stat(path, { bigint: true }));
  } catch {
    return 'missing';
  }
}

/** fileStamp, synchronously (a single stat, for the moment just before a read). */
export function fileStampSync(path: string): string {
  try {
    return stampOf(statSync(path, { bigint: true }));
  } catch {
    return 'missing';
  }
}

function stampOf(s: BigIntStats): string {
  return s.isFile() ? `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : 'not-a-file';
}

/**
 * Reads a file that an editor may be writing in place: the stamp must be the same before
 * and after the read, or the text may be a torn half. `null` when it kept changing or went
 * away (the next rescan tries again).
 */
export async function readSettled(path: string, attempts = 3): Promise<{ text: string; stamp: string } | null> {
  for (let i = 0; i < attempts; i += 1) {
    const before = await fileStamp(path);
    if (before === 'missing' || before === 'not-a-file') return null;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return null;
    }
    if ((await fileStamp(path)) === before) return { text, stamp: before };
  }
  return null;
}

/**
 * Writes `dir/fileName` so that a reader (or the watcher) sees the old text or the new
 * one, never a mix: a dot-named temp file in the same directory, flushed, then renamed over.
 */
export async function writeFileAtomic(dir: string, fileName: string, text: string): Promise<void> {
  const target = join(dir, fileName);
  const temp = join(dir, `.${fileName}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  // Make the rename itself durable; not every platform can fsync a directory.
  const dirHandle = await open(dir, 'r').catch(() => null);
  if (dirHandle !== null) await dirHandle.sync().catch(() => undefined).finally(() => dirHandle.close());
}
