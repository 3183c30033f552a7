// A pool of worker threads that parse and judge big request bodies, so a 4 MB prompt's
// JSON.parse, extraction and input rules never hold up the event loop that serves every
// other call. One job at a time per worker, in two steps: the worker parses the body and
// sends back what the policy choice needs (model, stream flag, parameters); the main
// thread chooses the policy version as it does for any call and the worker judges with
// exactly that version, compiled there from the same text.
//
// - A full queue (SCAN_QUEUE_MAX calls waiting) sends the next call back to be judged on
//   the main thread: slower for everyone while it runs, never refused, never unfiltered.
// - A worker that crashes or overruns SCAN_TIMEOUT_MS is replaced; its call fails closed
//   (`scan_failed` / `scan_timeout`), never forwarded unjudged.
// - A body the worker cannot judge with the chosen version (a list file changed between
//   the two compiles) comes back and is judged on the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CallPolicy } from '../context.js';
import { SidecarError } from '../errors.js';
import type { CompiledRule, Finding } from '../filters/types.js';
import type { Logger } from '../logger.js';
import type { FilteredRoute } from '../openai/routes.js';
import type { CompiledPolicy, PolicyRegistry } from '../policy/index.js';
import { promptText, promptToStoreFromBody } from './judge-request.js';
import type { Judgement, RequestHead, StoredPrompt } from './judge-request.js';
import type { FromWorker, PolicyText, RuleRef, ToWorker, WorkerInit } from './messages.js';
import { asBuffer, transferable } from './transfer.js';

export interface ScanPoolProps {
  /** Worker threads. */
  readonly size: number;
  /** Calls that may wait for a worker; the next one is judged on the main thread. */
  readonly queueMax: number;
  /** Time a worker may spend on one call before it is replaced and the call fails. */
  readonly timeoutMs: number;
  /** Where the policy versions the main thread uses come from. */
  readonly registry: PolicyRegistry;
  readonly init: WorkerInit;
  readonly logger: Logger;
  /** The worker's script (tests); default: worker.js beside this module in dist/. */
  readonly workerUrl?: URL;
}

export interface ScanPoolStats {
  readonly judged: number;
  readonly inline: number;
  readonly failed: number;
  readonly sharedRules: number;
  readonly queued: number;
}

/** Chooses the policy for a call from its head (and records the head on the call). */
export type ChoosePolicy = (head: RequestHead) => CallPolicy;

export type PoolOutcome =
  | { readonly kind: 'judged'; readonly policy: CallPolicy; readonly judgement: Judgement }
  /** Judge it on this thread: `policy` is the one already chosen, null if none was. */
  | { readonly kind: 'inline'; readonly body: Buffer; readonly policy: CallPolicy | null; readonly reason: string };

interface Job {
  readonly id: number;
  readonly route: FilteredRoute;
  /** Emptied once the body has been transferred to a worker. */
  body: Buffer | null;
  readonly choose: ChoosePolicy;
  readonly resolve: (outcome: PoolOutcome) => void;
  readonly reject: (err: unknown) => void;
  policy: CallPolicy | null;
  /** Set when the policy choice threw: the body is released and this is the outcome. */
  error: unknown;
  timer: NodeJS.Timeout | null;
  /** Once judged (the call is on its way), the record's prompt still to come from the worker. */
  stored: PendingPrompt | null;
}

interface PendingPrompt {
  readonly resolve: (prompt: StoredPrompt) => void;
  /** Builds it on this thread instead, should the worker not send it. */
  readonly here: () => StoredPrompt;
}

interface Slot {
  worker: Worker | null;
  /** The worker has compiled the policies active when it started: it takes calls from now. */
  ready: boolean;
  job: Job | null;
  startedAt: number;
}

interface RuleLocation {
  readonly policy: CompiledPolicy;
  readonly index: number;
}

export class ScanPool {
  readonly #props: ScanPoolProps;
  readonly #url: URL;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  /** Where each compiled rule of the versions seen so far sits: its policy and index. */
  readonly #rules = new WeakMap<CompiledRule, RuleLocation>();
  readonly #unsubscribe: () => void;
  readonly #counts = { judged: 0, inline: 0, failed: 0, sharedRules: 0 };
  readonly #readyWaiters: (() => void)[] = [];
  #nextId = 1;
  #closed = false;

  constructor(props: ScanPoolProps) {
    this.#props = props;
    this.#url = props.workerUrl ?? defaultWorkerUrl();
    this.#indexRules();
    this.#unsubscribe = props.registry.subscribe((e) => {
      if (e.type !== 'swapped') return;
      // Compile the new versions in every worker now, not on the first big call after it.
      this.#indexRules();
      const warm: ToWorker = { type: 'warm', policies: this.#activeTexts() };
      for (const slot of this.#slots) slot.worker?.postMessage(warm);
    });
    for (let i = 0; i < props.size; i++) {
      const slot: Slot = { worker: null, ready: false, job: null, startedAt: 0 };
      this.#slots.push(slot);
      this.#spawn(slot);
    }
  }

  /** Null when the worker script is missing (then every call is judged on the main thread). */
  static create(props: ScanPoolProps): ScanPool | null {
    if (props.size < 1) return null;
    const url = props.workerUrl ?? defaultWorkerUrl();
    if (!existsSync(fileURLToPath(url))) {
      props.logger.warn({ worker: fileURLToPath(url) }, 'scan worker script not found (run npm run build); big requests are judged on the main thread');
      return null;
    }
    return new ScanPool({ ...props, workerUrl: url });
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Resolves once every worker has started and compiled the active policies. */
  ready(): Promise<void> {
    if (this.#slots.every((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /**
   * Calls judged in a worker, handed back to the main thread, failed closed; rules the
   * workers' helpers ran; and calls waiting now.
   */
  stats(): ScanPoolStats {
    return { ...this.#counts, queued: this.#queue.length };
  }

  /**
   * Parses and judges `body` in a worker. Rejects with SidecarError: `invalid_json` as the
   * main thread would, `scan_failed` / `scan_timeout` when the worker broke down.
   */
  judge(route: FilteredRoute, body: Buffer, choose: ChoosePolicy): Promise<PoolOutcome> {
    if (this.#closed) return Promise.resolve({ kind: 'inline', body, policy: null, reason: 'closed' });
    return new Promise<PoolOutcome>((settle, fail) => {
      const resolve = (outcome: PoolOutcome) => {
        this.#counts[outcome.kind === 'judged' ? 'judged' : 'inline']++;
        settle(outcome);
      };
      const reject = (err: unknown) => {
        if (err instanceof SidecarError && err.code !== 'invalid_json') this.#counts.failed++;
        fail(err);
      };
      const job: Job = { id: this.#nextId++, route, body, choose, resolve, reject, policy: null, error: undefined, timer: null, stored: null };
      const idle = this.#slots.find(isIdle);
      if (idle) this.#start(idle, job);
      else if (this.#queue.length < this.#props.queueMax) this.#queue.push(job);
      else resolve({ kind: 'inline', body, policy: null, reason: 'queue full' });
    });
  }

  /** Stops the workers. Calls still waiting are judged on the main thread; running ones fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const job of this.#queue.splice(0)) job.resolve({ kind: 'inline', body: job.body!, policy: null, reason: 'closed' });
    await Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = null;
        if (slot.job) this.#fail(slot, new SidecarError('scan_failed', 'The sidecar stopped while the request was being checked; it was not forwarded.'));
        await worker?.terminate();
      }),
    );
  }

  #spawn(slot: Slot): void {
    const worker = new Worker(this.#url, { workerData: this.#props.init, name: 'scan' });
    worker.unref();
    slot.worker = worker;
    slot.ready = false;
    slot.startedAt = performance.now();
    worker.postMessage({ type: 'warm', policies: this.#activeTexts() } satisfies ToWorker);
    worker.on('message', (msg: FromWorker) => {
      if (slot.worker !== worker) return;
      if (msg.type === 'helper') {
        this.#props.logger.warn({ err: msg.message }, "scan worker's rule helper failed; any rules it had not answered for ran in the scan worker");
        return;
      }
      if (msg.type !== 'warmed') return this.#onMessage(slot, msg);
      // Calls wait in the queue while a new worker starts and compiles: their time limit
      // runs from when a worker takes them, not from its start-up.
      slot.ready = true;
      if (this.#slots.every((s) => s.ready)) for (const wake of this.#readyWaiters.splice(0)) wake();
      this.#next(slot);
    });
    worker.on('error', (err) => {
      if (slot.worker !== worker) return;
      this.#props.logger.error({ err: err.message }, 'scan worker crashed');
      this.#replace(slot, new SidecarError('scan_failed', 'The content filters failed while checking the request; it was not forwarded.'));
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      this.#props.logger.error({ code }, 'scan worker exited');
      this.#replace(slot, new SidecarError('scan_failed', 'The content filters failed while checking the request; it was not forwarded.'));
    });
  }

  /** Fails the slot's call (if any), drops its worker and starts another. */
  #replace(slot: Slot, err: SidecarError): void {
    const old = slot.worker;
    slot.worker = null;
    if (slot.job) this.#fail(slot, err);
    void old?.terminate();
    if (this.#closed) return;
    // A worker that dies at once (a broken install) is not restarted in a tight loop.
    const lived = performance.now() - slot.startedAt;
    if (lived >= 1_000) this.#spawn(slot);
    else setTimeout(() => this.#closed || this.#spawn(slot), 1_000).unref();
  }

  #start(slot: Slot, job: Job): void {
    slot.job = job;
    job.timer = setTimeout(() => {
      this.#props.logger.warn({ ms: this.#props.timeoutMs }, 'scan worker overran its time; replacing it');
      this.#replace(slot, new SidecarError('scan_timeout', 'The content filters did not finish checking the request in time; it was not forwarded.'));
    }, this.#props.timeoutMs);
    job.timer.unref();
    const bytes = transferable(job.body!);
    job.body = null;
    this.#post(slot, { type: 'parse', id: job.id, route: job.route, body: bytes }, [bytes.buffer as ArrayBuffer]);
  }

  #onMessage(slot: Slot, msg: Exclude<FromWorker, { type: 'warmed' | 'helper' }>): void {
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    switch (msg.type) {
      case 'head': {
        try {
          job.policy = job.choose(msg.head);
        } catch (err) {
          job.error = err ?? new Error('policy choice failed');
          return this.#post(slot, { type: 'release', id: job.id });
        }
        const refs = this.#refs(job.policy.rules);
        if (refs === null) return this.#post(slot, { type: 'release', id: job.id });
        return this.#post(slot, { type: 'judge', id: job.id, policies: refs.policies, rules: refs.rules, promptStorage: job.policy.storage.prompt });
      }
      case 'invalid':
        return this.#settle(slot, () => job.reject(new SidecarError('invalid_json', msg.message)));
      case 'failed':
        if (job.stored) {
          this.#props.logger.error({ err: msg.message }, "scan worker could not build a record's prompt; building it here");
          return this.#settle(slot, () => this.#promptHere(job));
        }
        this.#props.logger.error({ err: msg.message }, 'scan worker could not judge a request');
        return this.#settle(slot, () => job.reject(new SidecarError('scan_failed', 'The content filters failed while checking the request; it was not forwarded.')));
      case 'returned':
        return this.#settle(slot, () => {
          if (job.error !== undefined) return job.reject(job.error);
          job.resolve({ kind: 'inline', body: asBuffer(msg.body), policy: job.policy, reason: msg.reason });
        });
      case 'judged': {
        // The call goes on now; the worker stays on it until the record's prompt follows.
        const j = msg.judgement;
        this.#counts.sharedRules += j.sharedRules;
        const forward = j.forward === null ? null : asBuffer(j.forward);
        const body = j.body === null ? forward! : asBuffer(j.body);
        const { route, policy } = job;
        const findingsJson = j.findingsJson;
        const storedPrompt = new Promise<StoredPrompt>((resolve) => {
          const findings = (): Finding[] => (findingsJson === null ? [] : (JSON.parse(findingsJson) as Finding[]));
          job.stored = { resolve, here: () => ({ text: promptToStoreFromBody(route, body, findings(), policy!.storage.prompt) }) };
        });
        const judgement: Judgement = {
          segments: null,
          inputText: () => promptText(route, body),
          unscanned: j.unscanned,
          verdict: j.verdict,
          forward,
          stripUsageChunk: j.stripUsageChunk,
          storedPrompt,
          ...(findingsJson !== null ? { findingsJson } : {}),
        };
        return job.resolve({ kind: 'judged', policy: policy!, judgement });
      }
      case 'stored': {
        const prompt: StoredPrompt = msg.chars === undefined ? { text: msg.text } : { text: msg.text, chars: msg.chars };
        return this.#settle(slot, () => job.stored?.resolve(prompt));
      }
    }
  }

  /** The record's prompt of a judged call whose worker did not send it, built on this thread. */
  #promptHere(job: Job): void {
    const pending = job.stored!;
    try {
      pending.resolve(pending.here());
    } catch (err) {
      // Unreachable short of a bug: the body was judged from these very bytes.
      this.#props.logger.error({ err: err instanceof Error ? err.message : String(err) }, "could not build a record's prompt");
      pending.resolve({ text: null });
    }
  }

  #post(slot: Slot, msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker!.postMessage(msg, transfer);
  }

  /** Ends the slot's call with `done` and gives the worker the next one. */
  #settle(slot: Slot, done: () => void): void {
    const job = slot.job!;
    if (job.timer) clearTimeout(job.timer);
    slot.job = null;
    done();
    this.#next(slot);
  }

  #fail(slot: Slot, err: SidecarError): void {
    const job = slot.job!;
    if (job.timer) clearTimeout(job.timer);
    slot.job = null;
    // Judged already: the call went on; only the record's prompt is left to make.
    if (job.stored) this.#promptHere(job);
    else job.reject(err);
  }

  #next(slot: Slot): void {
    const job = isIdle(slot) ? this.#queue.shift() : undefined;
    if (job) this.#start(slot, job);
  }

  /** The policies and indices of `rules`, or null when one is not from a known version. */
  #refs(rules: readonly CompiledRule[]): { policies: PolicyText[]; rules: RuleRef[] } | null {
    const policies: PolicyText[] = [];
    const at = new Map<CompiledPolicy, number>();
    const refs: RuleRef[] = [];
    for (const rule of rules) {
      const loc = this.#rules.get(rule) ?? (this.#indexRules(), this.#rules.get(rule));
      if (!loc) return null;
      let p = at.get(loc.policy);
      if (p === undefined) {
        p = policies.push(policyText(loc.policy)) - 1;
        at.set(loc.policy, p);
      }
      refs.push([p, loc.index]);
    }
    return { policies, rules: refs };
  }

  #indexRules(): void {
    for (const policy of this.#props.registry.snapshot().policies) {
      policy.rules.forEach((rule, index) => this.#rules.set(rule, { policy, index }));
    }
  }

  #activeTexts(): PolicyText[] {
    return this.#props.registry.snapshot().policies.map(policyText);
  }
}

function isIdle(slot: Slot): boolean {
  return slot.worker !== null && slot.ready && slot.job === null;
}

function policyText(p: CompiledPolicy): PolicyText {
  return { name: p.name, file: p.file, text: p.text, contentHash: p.contentHash };
}

/**
 * worker.js beside this module. Run from TypeScript sources (tests), that is the compiled
 * copy in dist/, which `npm test` rebuilds when a source is newer.
 */
function defaultWorkerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL('../../dist/src/scan/worker.js', here);
  return new URL('./worker.js', here);
}
