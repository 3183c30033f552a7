// One worker thread that runs jobs for this thread, each answered by id: started on the
// first job, held open only while a job is out (an idle worker never keeps the process
// alive, a busy one never loses its job to an exit), replaced after a crash (the jobs out
// are rejected, the next job starts a new worker) and ended by close().
import { Worker } from 'node:worker_threads';

/** Every reply names its job; a failed job says why. */
export type JobReply = { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly message: string };

interface PendingJob<R> {
  readonly resolve: (reply: R) => void;
  readonly reject: (err: Error) => void;
}

export class WorkerJobs<Job, Reply extends JobReply> {
  readonly #url: URL;
  /** Names the thread, and the worker in errors. */
  readonly #name: string;
  #worker: Worker | null = null;
  readonly #jobs = new Map<number, PendingJob<Reply & { ok: true }>>();
  #nextId = 1;
  #closed = false;

  constructor(url: URL, name: string) {
    this.#url = url;
    this.#name = name;
  }

  /** Posts the job made for its id (moving `transfer`); resolves with its reply, rejects when it failed or the worker did. */
  run(job: (id: number) => Job, transfer: ArrayBuffer[] = []): Promise<Reply & { ok: true }> {
    if (this.#closed) return Promise.reject(new Error(`${this.#name} closed`));
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
      try {
        worker.postMessage(job(id), transfer);
      } catch (err) {
        this.#settled(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Ends the worker; jobs out are rejected, and so are later ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    this.#failAll(new Error(`${this.#name} closed`));
    await worker?.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#url, { name: this.#name.replaceAll(' ', '-') });
    worker.unref();
    this.#worker = worker;
    worker.on('message', (reply: Reply) => {
      const job = this.#settled(reply.id);
      if (!job) return;
      if (!reply.ok) return job.reject(new Error(reply.message));
      job.resolve(reply as Reply & { ok: true });
    });
    const lost = (why: string): void => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#failAll(new Error(why));
    };
    worker.on('error', (err) => lost(`${this.#name} crashed: ${err.message}`));
    worker.on('exit', (code) => lost(`${this.#name} exited (${code})`));
    return worker;
  }

  #settled(id: number): PendingJob<Reply & { ok: true }> | undefined {
    const job = this.#jobs.get(id);
    this.#jobs.delete(id);
    if (this.#jobs.size === 0) this.#worker?.unref();
    return job;
  }

  #failAll(err: Error): void {
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.reject(err);
  }
}
