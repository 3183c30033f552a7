// Token counts for calls whose upstream sent no usage, made in one worker thread: the
// o200k tables stay out of the main thread's heap (fewer and shorter full collections
// there) and a long text is counted without holding the event loop. The worker starts on
// first use (or at start-up, to warm it), is held open only while a count is out, and is
// started again after it crashed. Counts are the same as in the main thread.
import { Worker } from 'node:worker_threads';

export interface CountJob {
  readonly id: number;
  readonly texts: readonly (string | null)[];
}

export type CountReply =
  | { readonly id: number; readonly ok: true; readonly counts: (number | null)[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

interface PendingCount {
  resolve(counts: (number | null)[]): void;
  reject(err: Error): void;
}

export class TokenCounter {
  #worker: Worker | null = null;
  readonly #jobs = new Map<number, PendingCount>();
  #nextId = 0;
  readonly #url: URL;

  constructor(url: URL = defaultWorkerUrl()) {
    this.#url = url;
  }

  /** o200k token counts of `texts` (null stays null); rejects when the worker fails. */
  count(texts: readonly (string | null)[]): Promise<(number | null)[]> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      let worker: Worker;
      try {
        worker = this.#ensureWorker();
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.#jobs.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, texts } satisfies CountJob);
    });
  }

  /** Ends the worker; counts still out are rejected. Later counts start a new one. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#failAll(new Error('token counter closed'));
    await worker?.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#url, { name: 'token-count' });
    worker.unref();
    this.#worker = worker;
    worker.on('message', (reply: CountReply) => {
      const job = this.#jobs.get(reply.id);
      this.#jobs.delete(reply.id);
      if (this.#jobs.size === 0) worker.unref();
      if (!job) return;
      if (reply.ok) job.resolve(reply.counts);
      else job.reject(new Error(`token count failed: ${reply.message}`));
    });
    const lost = (why: string): void => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#failAll(new Error(why));
    };
    worker.on('error', (err) => lost(`token count worker crashed: ${err.message}`));
    worker.on('exit', (code) => lost(`token count worker exited (${code})`));
    return worker;
  }

  #failAll(err: Error): void {
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.reject(err);
  }
}

function defaultWorkerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL('../../dist/src/openai/token-count-worker.js', here);
  return new URL('./token-count-worker.js', here);
}
