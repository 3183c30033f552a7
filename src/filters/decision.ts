// The strictest-wins rule, in one place: the engine uses it for a whole call, the stream
// caller for the findings of a streamed output, and both must agree.
import { ACTIONS } from './types.js';
import type { Action, Decision, Finding } from './types.js';

/** Strictness of each action, from the ordered ACTIONS tuple (flag < redact < block). */
const RANK: Readonly<Record<Action, number>> = Object.fromEntries(
  ACTIONS.map((action, index) => [action, index + 1]),
) as Record<Action, number>;

/**
 * The strictest action among enforced findings, `allow` when there is none. Findings of
 * monitor policies, and failures recorded without acting (fail-open), carry
 * `enforced: false` and so never count.
 */
export function decide(findings: readonly Finding[]): Decision {
  let decision: Decision = 'allow';
  let rank = 0;
  for (const finding of findings) {
    if (!finding.enforced) continue;
    const r = RANK[finding.action];
    if (r > rank) {
      rank = r;
      decision = finding.action;
    }
  }
  return decision;
}

/** The ids of the rules whose enforced findings block, once each, in finding order. */
export function blockingRules(findings: readonly Finding[]): string[] {
  const ids: string[] = [];
  for (const finding of findings) {
    if (finding.enforced && finding.action === 'block' && !ids.includes(finding.rule)) ids.push(finding.rule);
  }
  return ids;
}
