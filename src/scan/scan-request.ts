// The input phase for one call, wherever it runs: a body of at least `minBytes` goes to
// the scan pool, anything smaller (a worker round trip costs more than a small scan), or
// anything the pool hands back, is judged here on the main thread. Both run the same
// code (judge-request.ts), so findings, decision and forwarded bytes do not depend on it.
import type { CallPolicy } from '../context.js';
import type { HashFn } from '../filters/engine.js';
import type { FilteredRoute } from '../openai/routes.js';
import { judgeRequest, parseRequest } from './judge-request.js';
import type { Judgement } from './judge-request.js';
import type { ChoosePolicy, ScanPool } from './scan-pool.js';

export interface RequestScanner {
  readonly pool: ScanPool | null;
  /** Bodies from this size up are judged in the pool. */
  readonly minBytes: number;
  readonly hash: HashFn;
}

export interface ScannedRequest {
  readonly policy: CallPolicy;
  readonly judgement: Judgement;
}

/** Throws SidecarError (`invalid_json`, `scan_failed`, `scan_timeout`) to refuse the call. */
export async function scanRequest(
  scanner: RequestScanner,
  route: FilteredRoute,
  body: Buffer | null,
  choose: ChoosePolicy,
): Promise<ScannedRequest> {
  let chosen: CallPolicy | null = null;
  if (scanner.pool && body && body.length >= scanner.minBytes) {
    const outcome = await scanner.pool.judge(route, body, choose);
    if (outcome.kind === 'judged') return { policy: outcome.policy, judgement: outcome.judgement };
    body = outcome.body;
    chosen = outcome.policy;
  }
  const parsed = parseRequest(body);
  const policy = chosen ?? choose(parsed.head);
  return { policy, judgement: await judgeRequest(route, parsed, body!, policy.rules, scanner.hash) };
}
