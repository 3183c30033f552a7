// A scan worker's rule helper: a thread with the same compiled policies that runs some of
// a big body's rules while the scan worker runs the others. Both take the next rule from a
// counter they share, so neither waits while rules are left (see RuleSharer).
import { parentPort, workerData } from 'node:worker_threads';
import type { SyncCheck } from '../filters/checks.js';
import { runSyncCheck } from '../filters/checks.js';
import { memoizeHash } from '../filters/engine.js';
import type { Segment, SyncScanner } from '../filters/types.js';
import { matchHasher } from './match-hash.js';
import type { FromHelper, ToHelper, WorkerInit } from './messages.js';
import { PolicyCache } from './policy-cache.js';
import { unpackTexts } from './shared-texts.js';
import { lowerThreadPriority } from './thread-priority.js';

const port = parentPort;
if (!port) throw new Error('rule helper: not started as a worker thread');
const init = workerData as WorkerInit;
lowerThreadPriority();
const cache = new PolicyCache(init);
const hash = matchHasher(init.hashKey);

function send(message: FromHelper): void {
  port!.postMessage(message);
}

async function run(msg: Extract<ToHelper, { type: 'run' }>): Promise<void> {
  const rules = await cache.rules(msg.policies, msg.rules);
  if (!rules) return send({ type: 'failed', id: msg.id, message: 'policy version not available in the helper' });
  // Checks read only the text of a segment; locations name segments by index.
  const segments: Segment[] = unpackTexts(msg.texts, msg.lengths).map((text) => ({ path: [], kind: 'text', role: null, text }));
  const matched = memoizeHash(hash);
  const checks = new Map<number, SyncCheck>();
  const { order, claim } = msg;
  for (let at = Atomics.add(claim, 0, 1); at < order.length; at = Atomics.add(claim, 0, 1)) {
    const index = order[at]!;
    const rule = rules[index];
    if (!rule || rule.scanner.kind !== 'sync') throw new Error(`rule ${index} is not a sync rule of the evaluation`);
    checks.set(index, runSyncCheck(rule, rule.scanner as SyncScanner, segments, msg.phase, matched));
  }
  send({ type: 'ran', id: msg.id, checks });
}

port.on('message', (msg: ToHelper) => {
  if (msg.type === 'warm') {
    void cache.warm(msg.policies);
    return;
  }
  run(msg).catch((err: unknown) => send({ type: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err) }));
});
