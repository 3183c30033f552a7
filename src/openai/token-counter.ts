// Token counts for calls whose upstream sent no usage, made in one worker thread: the
// o200k tables stay out of the main thread's heap (fewer and shorter full collections
// there) and a long text is counted without holding the event loop. The worker starts on
// first use (or at start-up, to warm it), is held open only while a count is out, and is
// started again after it crashed (WorkerJobs). Counts are the same as in the main thread.
import { WorkerJobs } from '../worker-jobs.js';

export interface CountJob {
  readonly id: number;
  readonly texts: readonly (string | null)[];
}

export type CountReply =
  | { readonly id: number; readonly ok: true; readonly counts: (number | null)[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

export class TokenCounter {
  readonly #jobs: WorkerJobs<CountJob, CountReply>;

  constructor(url: URL = defaultWorkerUrl()) {
    this.#jobs = new WorkerJobs(url, 'token count worker');
  }

  /** o200k token counts of `texts` (null stays null); rejects when the worker fails. */
  async count(texts: readonly (string | null)[]): Promise<(number | null)[]> {
    return (await this.#jobs.run((id) => ({ id, texts }))).counts;
  }

  /** Ends the worker; counts still out, and later ones, are rejected. */
  close(): Promise<void> {
    return this.#jobs.close();
  }
}

function defaultWorkerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL('../../dist/src/openai/token-count-worker.js', here);
  return new URL('./token-count-worker.js', here);
}
