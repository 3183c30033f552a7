// A scan worker: parses and judges big request bodies off the main thread. Each policy
// version it is asked for is compiled once (from the same text, environment and list
// files as on the main thread) and kept while it is active; a compile whose content hash
// differs from the main thread's (a list file changed in between) is never used: the body
// goes back and the main thread judges it with the version it chose.
import { parentPort, workerData } from 'node:worker_threads';
import type { FilteredRoute } from '../openai/routes.js';
import { judgeRequest, parseRequest, promptToStore } from './judge-request.js';
import type { ParsedRequest } from './judge-request.js';
import { matchHasher } from './match-hash.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { PolicyCache } from './policy-cache.js';
import { RuleHelper } from './rule-helper.js';
import { lowerThreadPriority } from './thread-priority.js';
import { asBuffer, transferable } from './transfer.js';

const port = parentPort;
if (!port) throw new Error('scan worker: not started as a worker thread');
const init = workerData as WorkerInit;
lowerThreadPriority();
const hash = matchHasher(init.hashKey);
const cache = new PolicyCache(init);
const helper = init.shareRules ? RuleHelper.create(init, { onTrouble: (message) => send({ type: 'helper', message }) }) : null;

interface Job {
  readonly route: FilteredRoute;
  readonly body: Buffer;
  readonly parsed: ParsedRequest;
}
const jobs = new Map<number, Job>();

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
  const rules = await cache.rules(policies, refs);
  if (!rules) return giveBack(id, job.body, 'policy version not available in the worker');
  const helperRulesBefore = helper?.rulesRun ?? 0;
  const j = await judgeRequest(job.route, job.parsed, job.body, rules, hash, helper?.sharer(policies, refs));
  const sharedRules = (helper?.rulesRun ?? 0) - helperRulesBefore;
  const forward = j.forward === null ? null : transferable(j.forward);
  const body = j.forward === job.body ? null : transferable(job.body);
  const transfer: ArrayBuffer[] = [];
  if (forward !== null) transfer.push(forward.buffer as ArrayBuffer);
  if (body !== null) transfer.push(body.buffer as ArrayBuffer);
  const verdict = j.verdict && { ...j.verdict, findings: [] };
  const findingsJson = j.verdict && JSON.stringify(j.verdict.findings);
  send({ type: 'judged', id, judgement: { body, unscanned: j.unscanned, verdict, findingsJson, forward, stripUsageChunk: j.stripUsageChunk, sharedRules } }, transfer);
  // The record's prompt is built while the call is on its way. Only what the record keeps
  // of it crosses to the main thread (a slice is not a copy).
  const stored = promptToStore(j.segments!, j.verdict?.findings ?? [], msg.promptStorage);
  const cut = typeof stored === 'string' && init.maxTextChars !== undefined && stored.length > init.maxTextChars;
  send({ type: 'stored', id, text: cut ? stored.slice(0, init.maxTextChars) : stored, ...(cut ? { chars: stored.length } : {}) });
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'warm':
      helper?.warm(msg.policies);
      void cache.warm(msg.policies).then(() => send({ type: 'warmed' }));
      return;
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
