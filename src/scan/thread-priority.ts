// Scans run at a lower priority than the event loop that serves every other call.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much nicer than the main thread a scan runs (Linux nice steps). */
const NICE_STEPS = 10;

/**
 * On a busy machine the event loop must win the CPU over a long scan: the scan only takes
 * longer. Linux keeps a nice value per thread, and setpriority() takes a thread id;
 * elsewhere (or when refused) the calling thread keeps the normal priority.
 */
export function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + NICE_STEPS));
  } catch {
    // Not Linux, or not allowed: nothing to do.
  }
}
