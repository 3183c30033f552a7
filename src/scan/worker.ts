// A scan worker: parses and judges big request bodies off the main thread. Each policy
// version it is asked for is compiled once (from the same text, environment and list
// files as on the main thread) and kept while it is active; a compile whose content hash
// differs from the main thread's (a list file changed in between) is never used: the body
// goes back and the main thread judges it with the version it chose.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledRule } from '../filters/types.js';
import type { FilteredRoute } from '../openai/routes.js';
import { compilePolicy } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import { judgeRequest, parseRequest, promptToStore } from './judge-request.js';
import type { ParsedRequest } from './judge-request.js';
import { matchHasher } from './match-hash.js';
import type { FromWorker, PolicyText, ToWorker, WorkerInit } from './messages.js';
import { asBuffer, transferable } from './transfer.js';

/** How much nicer than the main thread a scan runs (Linux nice steps). */
const NICE_STEPS = 10;

const port = parentPort;
if (!port) throw new Error('scan worker: not started as a worker thread');
const init = workerData as WorkerInit;
lowerPriority();

/**
 * On a busy machine the event loop, which serves every other call, must win the CPU over
 * a long scan: the scan only takes longer. Linux keeps a nice value per thread, and
 * setpriority() takes a thread id; elsewhere (or when refused) the scan keeps the normal
 * priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + NICE_STEPS));
  } catch {
    // Not Linux, or not allowed: nothing to do.
  }
}
const hash = matchHasher(init.hashKey);

/** Compiled versions by `file \0 contentHash`; null when the compile did not give that version. */
const compiled = new Map<string, Promise<CompiledPolicy | null>>();

interface Job {
  readonly route: FilteredRoute;
  readonly body: Buffer;
  readonly parsed: ParsedRequest;
}
const jobs = new Map<number, Job>();

function keyOf(p: PolicyText): string {
  return `${p.file}\u0000${p.contentHash}`;
}

function compile(p: PolicyText): Promise<CompiledPolicy | null> {
  const key = keyOf(p);
  let pending = compiled.get(key);
  if (!pending) {
    pending = compilePolicy(p.text, { fileName: p.file, env: init.env, dir: init.policyDir }).then(
      (c) => (c.name === p.name && c.contentHash === p.contentHash ? c : null),
      () => null,
    );
    compiled.set(key, pending);
    // A version that could not be built here is not cached: the next call tries again.
    void pending.then((c) => c === null && compiled.get(key) === pending && compiled.delete(key));
  }
  return pending;
}

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function giveBack(id: number, body: Buffer, reason: string): void {
  const out = transferable(body);
  send({ type: 'returned', id, body: out, reason }, [out.buffer as ArrayBuffer]);
}

async function judge(msg: Extract<ToWorker, { type: 'judge' }>): Promise<void> {
  const { id, policies, rules: refs } = msg;
  const job = jobs.get(id);
  if (!job) return;
  jobs.delete(id);
  const versions = await Promise.all(policies.map(compile));
  const rules: CompiledRule[] = [];
  for (const [p, r] of refs) {
    const rule = versions[p]?.rules[r];
    if (!rule) return giveBack(id, job.body, 'policy version not available in the worker');
    rules.push(rule);
  }
  const j = await judgeRequest(job.route, job.parsed, job.body, rules, hash);
  const forward = j.forward === null ? null : transferable(j.forward);
  const body = j.forward === job.body ? null : transferable(job.body);
  const transfer: ArrayBuffer[] = [];
  if (forward !== null) transfer.push(forward.buffer as ArrayBuffer);
  if (body !== null) transfer.push(body.buffer as ArrayBuffer);
  const verdict = j.verdict && { ...j.verdict, findings: [] };
  const findingsJson = j.verdict && JSON.stringify(j.verdict.findings);
  send({ type: 'judged', id, judgement: { body, unscanned: j.unscanned, verdict, findingsJson, forward, stripUsageChunk: j.stripUsageChunk } }, transfer);
  // The record's prompt is built while the call is on its way. Only what the record keeps
  // of it crosses to the main thread (a slice is not a copy).
  const stored = promptToStore(j.segments!, j.verdict?.findings ?? [], msg.promptStorage);
  const cut = typeof stored === 'string' && init.maxTextChars !== undefined && stored.length > init.maxTextChars;
  send({ type: 'stored', id, text: cut ? stored.slice(0, init.maxTextChars) : stored, ...(cut ? { chars: stored.length } : {}) });
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'warm': {
      const keep = new Set(msg.policies.map(keyOf));
      for (const key of compiled.keys()) if (!keep.has(key)) compiled.delete(key);
      void Promise.all(msg.policies.map(compile)).then(() => send({ type: 'warmed' }));
      return;
    }
    case 'parse': {
      const body = asBuffer(msg.body);
      let parsed: ParsedRequest;
      try {
        parsed = parseRequest(body);
      } catch (err) {
        send({ type: 'invalid', id: msg.id, message: (err as Error).message });
        return;
      }
      jobs.set(msg.id, { route: msg.route, body, parsed });
      send({ type: 'head', id: msg.id, head: parsed.head });
      return;
    }
    case 'judge':
      judge(msg).catch((err: unknown) => {
        send({ type: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err) });
      });
      return;
    case 'release': {
      const job = jobs.get(msg.id);
      jobs.delete(msg.id);
      if (job) giveBack(msg.id, job.body, 'released');
      return;
    }
  }
});
