// The scan worker's side of its rule helper (rule-helper-worker.ts): starts the thread on
// the first body worth sharing (a helper holds its own compile of every policy, tens of MB
// that a sidecar serving only small calls need not carry), keeps it warm with the active
// policies, stops it after a while without big bodies, and lends it to the engine for one
// evaluation at a time as a RuleSharer. A helper that crashes fails the evaluation's
// share, never the evaluation: the scan worker runs the rules it had no answer for, and a
// new helper starts on a later call.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SyncCheck } from '../filters/checks.js';
import type { RuleSharer } from '../filters/engine.js';
import type { FromHelper, PolicyText, RuleRef, ToHelper, WorkerInit } from './messages.js';
import { packTexts } from './shared-texts.js';

/**
 * Texts shorter than this (all segments together) are judged on the scan worker's thread
 * alone: copying them to the helper and back costs about what sharing would save.
 */
export const SHARE_MIN_CHARS = 128 * 1024;

/** A helper that dies sooner than this after starting is started again only after a pause. */
const RESTART_PAUSE_MS = 1_000;

/** A helper with no evaluation to share for this long is stopped (started again when needed). */
export const HELPER_IDLE_MS = 60_000;

interface Pending {
  readonly resolve: (checks: ReadonlyMap<number, SyncCheck>) => void;
  readonly reject: (err: Error) => void;
}

export class RuleHelper {
  readonly #url: URL;
  readonly #init: WorkerInit;
  readonly #onTrouble: (message: string) => void;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #policies: readonly PolicyText[] = [];
  #nextId = 1;
  #rulesRun = 0;
  readonly #idleMs: number;
  #idleTimer: NodeJS.Timeout | null = null;
  /** No new thread before this time (performance.now()): the last one died young. */
  #pausedUntil = 0;
  #closed = false;

  private constructor(url: URL, init: WorkerInit, onTrouble: (message: string) => void, idleMs: number) {
    this.#url = url;
    this.#init = init;
    this.#onTrouble = onTrouble;
    this.#idleMs = idleMs;
  }

  /**
   * Null when the helper's script is missing (then a scan worker judges alone). `onTrouble`
   * hears why the helper failed or died (no scanned text is ever in it); each time, the
   * rules it had not answered for ran in the scan worker.
   */
  static create(
    init: WorkerInit,
    opts: { url?: URL; onTrouble?: (message: string) => void; idleMs?: number } = {},
  ): RuleHelper | null {
    const url = opts.url ?? defaultHelperUrl();
    if (!existsSync(fileURLToPath(url))) return null;
    return new RuleHelper(url, init, opts.onTrouble ?? (() => {}), opts.idleMs ?? HELPER_IDLE_MS);
  }

  /** Rules the helper has run so far (its answers that reached the engine). */
  get rulesRun(): number {
    return this.#rulesRun;
  }

  /** Whether the helper thread is up now. */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** The active policies: compiled in the helper now if it runs, else when it starts. */
  warm(policies: readonly PolicyText[]): void {
    this.#policies = policies;
    this.#worker?.postMessage({ type: 'warm', policies } satisfies ToHelper);
  }

  /** A sharer for one evaluation over `refs` (the rules of `policies`, in evaluation order). */
  sharer(policies: readonly PolicyText[], refs: readonly RuleRef[]): RuleSharer {
    return {
      minChars: SHARE_MIN_CHARS,
      run: (order, texts, phase, claim) => {
        const worker = this.#ensure();
        if (!worker) return Promise.reject(new Error('no rule helper'));
        const id = this.#nextId++;
        const { shared, lengths } = packTexts(texts);
        worker.postMessage({ type: 'run', id, policies, rules: refs, order, texts: shared, lengths, phase, claim } satisfies ToHelper);
        this.#stayAwake();
        return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
      },
    };
  }

  /**
   * Stops the helper. A scan worker that is terminated need not call it: Node stops a
   * worker's own workers with it.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const worker = this.#worker;
    this.#worker = null;
    this.#failAll(new Error('rule helper closed'));
    await worker?.terminate();
  }

  #ensure(): Worker | null {
    if (this.#worker || this.#closed || performance.now() < this.#pausedUntil) return this.#worker;
    const worker = new Worker(this.#url, { workerData: this.#init, name: 'scan-helper' });
    const started = performance.now();
    worker.unref();
    this.#worker = worker;
    worker.postMessage({ type: 'warm', policies: this.#policies } satisfies ToHelper);
    worker.on('message', (msg: FromHelper) => {
      const pending = this.#pending.get(msg.id);
      if (!pending) return;
      this.#pending.delete(msg.id);
      if (msg.type === 'ran') {
        this.#rulesRun += msg.checks.size;
        return pending.resolve(msg.checks);
      }
      this.#onTrouble(msg.message);
      pending.reject(new Error(msg.message));
    });
    const gone = (err: Error): void => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      if (performance.now() - started < RESTART_PAUSE_MS) this.#pausedUntil = performance.now() + RESTART_PAUSE_MS;
      if (!this.#closed) this.#onTrouble(err.message);
      this.#failAll(err);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`rule helper exited with code ${code}`)));
    return worker;
  }

  /** (Re)starts the idle countdown: a helper left without work for #idleMs is stopped. */
  #stayAwake(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      // Still answering: look again later.
      if (this.#pending.size > 0) return this.#stayAwake();
      const worker = this.#worker;
      this.#worker = null; // a stop, not a death: its exit is not reported
      void worker?.terminate();
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  #failAll(err: Error): void {
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}

/** The helper's script beside this module in dist/ (from the sources under a test runner too). */
function defaultHelperUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL('../../dist/src/scan/rule-helper-worker.js', here);
  return new URL('./rule-helper-worker.js', here);
}
