// Sharing an evaluation's rules with another thread (RuleSharer): whichever thread takes a
// rule, the evaluation is the one a single thread gives, and a sharer that fails or never
// answers costs time, never a rule. The sharers here run in this thread, taking positions
// from the shared counter the way the real helper does, so each case is deterministic; the
// real helper thread is tested in test/unit/scan/rule-helper.test.ts.
import { describe, expect, it } from 'vitest';
import { runSyncCheck, type SyncCheck } from '../../../src/filters/checks.js';
import { evaluate, evaluateSync, type Evaluation, type RuleSharer } from '../../../src/filters/engine.js';
import type { CompiledRule, Phase, Segment, SyncScanner } from '../../../src/filters/types.js';
import { compilePolicy } from '../../../src/policy/index.js';
import { hash } from './support.js';

const POLICY = `name: shared
rules:
  - id: secrets
    detector: secret
    action: flag
  - id: pii
    detector: [email, phone, credit_card, iban]
    action: redact
  - id: terms
    detector: keywords
    keywords: [orchid, blue heron]
    action: redact
  - id: hosts
    detector: regex
    pattern: '\\b[a-z0-9-]+\\.corp\\.example\\.com\\b'
    action: flag
`;

const LINE = [
  'Mail jane.doe@example.com or call +44 20 7946 0958 about the orchid order;',
  'card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, host build-7.corp.example.com,',
  'key AKIAIOSFODNN7EXAMPLE seen near the blue heron. Nothing else here.',
].join(' ');

async function rules(): Promise<readonly CompiledRule[]> {
  return (await compilePolicy(POLICY, { fileName: 'shared.yaml', env: {}, dir: '.' })).rules;
}

function segments(repeat: number): Segment[] {
  const text = Array.from({ length: repeat }, (_, i) => `${i}: ${LINE}`).join('\n');
  return [
    { path: ['messages', 0, 'content'], kind: 'text', role: 'system', text: 'Be brief.' },
    { path: ['messages', 1, 'content'], kind: 'text', role: 'user', text },
  ];
}

/** Everything but the timings, which differ run to run. */
function outcome(ev: Evaluation) {
  const { decision, findings, redactions, blockedBy } = ev;
  return { decision, findings, redactions, blockedBy };
}

interface Probe {
  readonly sharer: RuleSharer;
  /** Positions the sharer took. */
  readonly took: number[];
  calls: number;
}

/**
 * A sharer that takes `take` positions as soon as it is started (before the caller takes
 * any), runs them here, and then answers as `answer` says.
 */
function probe(rulesOf: readonly CompiledRule[], take: number, answer: 'checks' | 'reject' | 'never', minChars = 1): Probe {
  const p: Probe = {
    took: [],
    calls: 0,
    sharer: {
      minChars,
      run(order: readonly number[], texts: readonly string[], phase: Phase, claim: Int32Array) {
        p.calls++;
        const segs: Segment[] = texts.map((text) => ({ path: [], kind: 'text', role: null, text }));
        const checks = new Map<number, SyncCheck>();
        for (let n = 0; n < take; n++) {
          const at = Atomics.add(claim, 0, 1);
          if (at >= order.length) break;
          p.took.push(at);
          const index = order[at]!;
          const rule = rulesOf[index]!;
          checks.set(index, runSyncCheck(rule, rule.scanner as SyncScanner, segs, phase, hash));
        }
        if (answer === 'reject') return Promise.reject(new Error('helper died'));
        if (answer === 'never') return new Promise<never>(() => {});
        return Promise.resolve(checks);
      },
    },
  };
  return p;
}

/** The rules, each scanner counting the texts it scans. */
function counting(rulesOf: readonly CompiledRule[]): { rules: CompiledRule[]; scans: number[] } {
  const scans = rulesOf.map(() => 0);
  const rules = rulesOf.map((rule, i) => {
    const scanner = rule.scanner as SyncScanner;
    const counted: SyncScanner = { ...scanner, scan: (text) => (scans[i]!++, scanner.scan(text)) };
    return { ...rule, scanner: counted };
  });
  return { rules, scans };
}

describe('evaluate with a RuleSharer', () => {
  it('gives the single-thread evaluation whichever thread ran which rule', async () => {
    const all = await rules();
    const segs = segments(200);
    const alone = outcome(evaluateSync(all, segs, 'input', { hash }));
    expect(alone.decision).toBe('redact');
    expect(alone.findings.map((f) => f.detector)).toEqual(['secret', 'email', 'phone', 'credit_card', 'iban', 'keywords', 'regex']);
    const syncRules = all.filter((r) => r.phases.includes('input')).length;
    for (const take of [1, 3, syncRules - 1, syncRules]) {
      const p = probe(all, take, 'checks');
      expect(outcome(await evaluate(all, segs, 'input', { hash, share: p.sharer }))).toEqual(alone);
      expect(p.took.length).toBe(take);
    }
  });

  it('runs every rule once, on one thread or the other', async () => {
    const { rules: all, scans } = counting(await rules());
    const p = probe(all, 3, 'checks');
    await evaluate(all, segments(50), 'input', { hash, share: p.sharer });
    // Two non-empty segments: each rule scanned each once, whichever thread ran it.
    expect(scans).toEqual(all.map(() => 2));
  });

  it('labels a span two rules both redact by the earlier rule, whichever thread ran it', async () => {
    const policy = `name: twice
rules:
  - id: terms
    detector: keywords
    keywords: [orchid]
    action: redact
  - id: same
    detector: regex
    pattern: 'orchid'
    action: redact
`;
    const both = (await compilePolicy(policy, { fileName: 'twice.yaml', env: {}, dir: '.' })).rules;
    const segs = segments(20);
    const alone = outcome(evaluateSync(both, segs, 'input', { hash }));
    expect(alone.redactions[0]!.spans[0]!.label).toBe('[REDACTED:keywords]');
    // The sharer takes the keywords rule (the costlier, offered first); the regex runs here first.
    const p = probe(both, 1, 'checks');
    expect(outcome(await evaluate(both, segs, 'input', { hash, share: p.sharer }))).toEqual(alone);
    expect(p.took).toEqual([0]);
  });

  it('runs every rule here when the sharer throws at once', async () => {
    const all = await rules();
    const segs = segments(50);
    const sharer: RuleSharer = {
      minChars: 1,
      run() {
        throw new Error('cannot start a thread');
      },
    };
    expect(outcome(await evaluate(all, segs, 'input', { hash, share: sharer }))).toEqual(outcome(evaluateSync(all, segs, 'input', { hash })));
  });

  it('offers the costliest rules first', async () => {
    const all = await rules();
    let first: string | undefined;
    const sharer: RuleSharer = {
      minChars: 1,
      run(order) {
        first = all[order[0]!]!.detector;
        return Promise.resolve(new Map());
      },
    };
    await evaluate(all, segments(5), 'input', { hash, share: sharer });
    expect(first).toBe('phone');
  });

  it('runs here the rules a failed sharer had taken', async () => {
    const all = await rules();
    const segs = segments(50);
    const alone = outcome(evaluateSync(all, segs, 'input', { hash }));
    const p = probe(all, 3, 'reject');
    expect(outcome(await evaluate(all, segs, 'input', { hash, share: p.sharer }))).toEqual(alone);
    expect(p.took).toEqual([0, 1, 2]);
  });

  it('does not wait for a sharer that took nothing', async () => {
    const all = await rules();
    const segs = segments(50);
    const p = probe(all, 0, 'never');
    expect(outcome(await evaluate(all, segs, 'input', { hash, share: p.sharer }))).toEqual(outcome(evaluateSync(all, segs, 'input', { hash })));
    expect(p.calls).toBe(1);
  });

  it('does not share a short text, or a single rule', async () => {
    const all = await rules();
    const segs = segments(2);
    const chars = segs.reduce((n, s) => n + s.text.length, 0);
    const short = probe(all, 3, 'checks', chars + 1);
    await evaluate(all, segs, 'input', { hash, share: short.sharer });
    expect(short.calls).toBe(0);
    const one = probe(all, 1, 'checks');
    const single = all.filter((r) => r.detector === 'keywords');
    expect(outcome(await evaluate(single, segments(50), 'input', { hash, share: one.sharer }))).toEqual(
      outcome(evaluateSync(single, segments(50), 'input', { hash })),
    );
    expect(one.calls).toBe(0);
  });

  it('keeps async rules working alongside a sharer', async () => {
    const all = await rules();
    const moderation: CompiledRule = {
      ...all[0]!,
      id: 'mod',
      detector: 'moderation',
      action: 'block',
      mode: 'enforce',
      scanner: { kind: 'async', onError: 'allow', check: async () => ({ flagged: true, categories: ['violence'] }) },
    };
    const withAsync = [...all, moderation];
    const segs = segments(50);
    const p = probe(withAsync, 2, 'checks');
    const ev = await evaluate(withAsync, segs, 'input', { hash, share: p.sharer });
    expect(ev.decision).toBe('block');
    expect(ev.blockedBy).toEqual(['mod']);
    expect(ev.findings.map((f) => f.rule)).toEqual([...outcome(evaluateSync(all, segs, 'input', { hash })).findings.map((f) => f.rule), 'mod']);
    expect(p.took).toEqual([0, 1]);
  });
});
