// Waiting with a deadline, on the monotonic clock (an injected or stepped wall clock must
// not stretch or cut a shutdown's time budget).
import { performance } from 'node:perf_hooks';

export function deadlineIn(ms: number): number {
  return performance.now() + ms;
}

export function msLeft(deadline: number): number {
  return Math.max(0, deadline - performance.now());
}

/** The promise's value, or `fallback` if the deadline comes first (the promise runs on). */
export async function beforeDeadline<T>(promise: Promise<T>, deadline: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), msLeft(deadline));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`, or earlier when `wake` is called. */
export function sleep(ms: number, wake?: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    wake?.(done);
  });
}
