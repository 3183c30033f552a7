// Start-up: every segment left in the spool (by a crash, a kill, or a database that was
// away at shutdown) goes back into the ledger, sealed, to be shipped before anything new.
// Only newlines are counted here; checksums are checked once, when the shipper reads.
import { mkdir } from 'node:fs/promises';
import type { SpoolLedger } from './ledger.js';
import { countEntries, listSegments } from './segment-files.js';

export interface Recovered {
  readonly segments: number;
  readonly entries: number;
  readonly bytes: number;
}

export async function recoverSegments(dir: string, ledger: SpoolLedger, chunkBytes: number): Promise<Recovered> {
  await mkdir(dir, { recursive: true });
  let entries = 0;
  let bytes = 0;
  const files = await listSegments(dir);
  for (const f of files) {
    const n = await countEntries(f.path, f.bytes, chunkBytes);
    // The name's seq is the creation time: the oldest its entries can be.
    ledger.add(f.seq, f.path, { bytes: f.bytes, entries: n, at: f.seq, sealed: true });
    entries += n;
    bytes += f.bytes;
  }
  return { segments: files.length, entries, bytes };
}
