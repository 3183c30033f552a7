// The real rule helper thread (compiled, in dist/): an evaluation shared with it is the
// single-thread evaluation, it takes rules when it is free to, a crash in the middle of a
// scan costs no rule, and a new thread takes its place.
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate, evaluateSync, type Evaluation, type RuleSharer } from '../../../src/filters/engine.js';
import type { Segment } from '../../../src/filters/types.js';
import { compilePolicy } from '../../../src/policy/index.js';
import { matchHasher } from '../../../src/scan/match-hash.js';
import type { PolicyText } from '../../../src/scan/messages.js';
import { RuleHelper, SHARE_MIN_CHARS } from '../../../src/scan/rule-helper.js';

const KEY = 'unit-test-hash-key-0123456789abcdef';
const hash = matchHasher(KEY);
const POLICY = `name: shared
rules:
  - id: pii
    detector: [email, phone, credit_card, iban, ssn]
    action: redact
  - id: terms
    detector: keywords
    keywords: [orchid, blue heron]
    action: redact
  - id: hosts
    detector: regex
    pattern: '\\b[a-z0-9-]+\\.corp\\.example\\.com\\b'
    action: flag
  - id: addresses
    detector: ip_address
    action: flag
`;
const LINE =
  'Mail jane.doe@example.com or call +44 20 7946 0958 about the orchid order; card 4111 1111 1111 1111, ' +
  'IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789, host build-7.corp.example.com at 10.1.2.3 near the blue heron.';

const helpers: RuleHelper[] = [];
afterEach(async () => {
  for (const h of helpers.splice(0)) await h.close();
});

async function setup(url?: URL, idleMs?: number) {
  const policy = await compilePolicy(POLICY, { fileName: 'shared.yaml', env: {}, dir: '.' });
  const texts: PolicyText[] = [{ name: policy.name, file: 'shared.yaml', text: POLICY, contentHash: policy.contentHash }];
  const troubles: string[] = [];
  const helper = RuleHelper.create({ policyDir: '.', env: {}, hashKey: KEY }, {
    ...(url ? { url } : {}),
    ...(idleMs ? { idleMs } : {}),
    onTrouble: (m) => troubles.push(m),
  });
  if (!helper) throw new Error('the rule helper script is missing: run npm run build');
  helpers.push(helper);
  helper.warm(texts);
  const inner = helper.sharer(texts, policy.rules.map((_, i) => [0, i] as const));
  const counted = { ran: 0, rejected: 0 };
  const sharer: RuleSharer = {
    minChars: inner.minChars,
    run: async (...args) => {
      try {
        const checks = await inner.run(...args);
        counted.ran += checks.size;
        return checks;
      } catch (err) {
        counted.rejected++;
        throw err;
      }
    },
  };
  return { rules: policy.rules, sharer, counted, troubles, helper };
}

function segments(prefix = ''): Segment[] {
  const lines = Math.ceil((SHARE_MIN_CHARS * 2) / LINE.length);
  // Lone surrogates and astral characters must reach the helper as they are.
  const text = prefix + Array.from({ length: lines }, (_, i) => `${i}: ${i % 7 === 0 ? '\ud800😀 ' : ''}${LINE}`).join('\n');
  return [{ path: ['prompt'], kind: 'prompt', role: null, text }];
}

function outcome(ev: Evaluation) {
  const { decision, findings, redactions, blockedBy } = ev;
  return { decision, findings, redactions, blockedBy };
}

describe('RuleHelper', () => {
  it('shares an evaluation and gives the single-thread result', async () => {
    const { rules, sharer, counted } = await setup();
    const segs = segments();
    const alone = outcome(evaluateSync(rules, segs, 'input', { hash }));
    expect(alone.findings.length).toBeGreaterThanOrEqual(7);
    // The first evaluations may run every rule here while the helper compiles.
    for (const deadline = Date.now() + 10_000; counted.ran === 0 && Date.now() < deadline; ) {
      expect(outcome(await evaluate(rules, segs, 'input', { hash, share: sharer }))).toEqual(alone);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(counted.ran).toBeGreaterThan(0);
  });

  it('loses no rule when the helper dies in the middle of a scan, and starts a new one', async () => {
    const { rules, sharer, counted, troubles } = await setup(new URL('../../support/faulty-rule-helper.mjs', import.meta.url));
    const crashing = segments('__helper_crash__ ');
    const alone = outcome(evaluateSync(rules, crashing, 'input', { hash }));
    // The first helper dies on its first run, holding the rule it took: that rule runs here.
    // An evaluation that ran every rule here does not wait for the helper: each loop yields
    // so that the helper's answers and its exit are seen.
    for (const deadline = Date.now() + 10_000; troubles.length === 0 && Date.now() < deadline; ) {
      expect(outcome(await evaluate(rules, crashing, 'input', { hash, share: sharer }))).toEqual(alone);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(troubles[0]).toMatch(/exited with code 1/);
    expect(counted.rejected).toBeGreaterThan(0);
    expect(counted.ran).toBe(0);
    // A thread that died young is replaced after a pause; then it takes rules again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const segs = segments();
    const clean = outcome(evaluateSync(rules, segs, 'input', { hash }));
    for (const deadline = Date.now() + 10_000; counted.ran === 0 && Date.now() < deadline; ) {
      expect(outcome(await evaluate(rules, segs, 'input', { hash, share: sharer }))).toEqual(clean);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(counted.ran).toBeGreaterThan(0);
  });

  it('starts with the first evaluation worth sharing and stops when left idle', async () => {
    const { rules, sharer, helper, troubles } = await setup(undefined, 300);
    expect(helper.running).toBe(false);
    const segs = segments();
    await evaluate(rules, segs, 'input', { hash, share: sharer });
    expect(helper.running).toBe(true);
    // Stopped once it has answered and then been idle for 300 ms (its first answer waits
    // for its compile, so the deadline is generous).
    const deadline = Date.now() + 10_000;
    while (helper.running && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(helper.running).toBe(false);
    expect(troubles).toEqual([]);
    await evaluate(rules, segs, 'input', { hash, share: sharer });
    expect(helper.running).toBe(true);
  });
});
