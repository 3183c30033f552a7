import { describe, expect, it } from 'vitest';
import { evaluate, evaluateSync, hasAsyncRules } from '../../../src/filters/engine.js';
import type { Segment } from '../../../src/filters/types.js';
import { asyncScanner, hash, literalScanner, rule, throwingScanner } from './support.js';

const seg = (text: string): Segment => ({ path: ['messages', 0, 'content'], kind: 'text', role: 'user', text });
const opts = { hash };

describe('evaluate: decisions', () => {
  it('allows with no rules and no findings', async () => {
    const none = await evaluate([], [seg('hello')], 'input', opts);
    expect(none).toMatchObject({ decision: 'allow', findings: [], redactions: [], blockedBy: [], timings: [] });
    const clean = await evaluate([rule(literalScanner(['secret']), { action: 'block' })], [seg('hello')], 'input', opts);
    expect(clean.decision).toBe('allow');
    expect(clean.findings).toEqual([]);
    expect(clean.timings).toHaveLength(1);
  });

  it('takes the strictest enforced action: block > redact > flag', async () => {
    const flag = rule(literalScanner(['alpha']), { action: 'flag' });
    const redact = rule(literalScanner(['beta']), { action: 'redact' });
    const block = rule(literalScanner(['gamma']), { action: 'block', id: 'no-gamma' });
    const segments = [seg('alpha beta gamma')];
    expect((await evaluate([flag], segments, 'input', opts)).decision).toBe('flag');
    expect((await evaluate([flag, redact], segments, 'input', opts)).decision).toBe('redact');
    const all = await evaluate([block, redact, flag], segments, 'input', opts);
    expect(all.decision).toBe('block');
    expect(all.blockedBy).toEqual(['no-gamma']);
    expect(all.findings.map((f) => f.rule)).toEqual([block.id, redact.id, flag.id]);
  });

  it('records monitor-mode findings without acting on them', async () => {
    const monitored = rule(literalScanner(['gamma']), { action: 'block', mode: 'monitor' });
    const flag = rule(literalScanner(['alpha']), { action: 'flag' });
    const result = await evaluate([monitored, flag], [seg('alpha gamma')], 'input', opts);
    expect(result.decision).toBe('flag');
    expect(result.blockedBy).toEqual([]);
    expect(result.findings[0]).toMatchObject({ rule: monitored.id, enforced: false, action: 'block', count: 1 });
    const redacting = rule(literalScanner(['alpha']), { action: 'redact', mode: 'monitor' });
    expect((await evaluate([redacting], [seg('alpha')], 'input', opts)).redactions).toEqual([]);
  });

  it('runs only the rules of the phase', async () => {
    const inputOnly = rule(literalScanner(['alpha']), { action: 'block', phases: ['input'] });
    const outputOnly = rule(literalScanner(['alpha']), { action: 'flag', phases: ['output'] });
    const input = await evaluate([inputOnly, outputOnly], [seg('alpha')], 'input', opts);
    expect(input.findings.map((f) => f.rule)).toEqual([inputOnly.id]);
    const output = await evaluate([inputOnly, outputOnly], [seg('alpha')], 'output', opts);
    expect(output.decision).toBe('flag');
    expect(output.findings).toMatchObject([{ rule: outputOnly.id, phase: 'output' }]);
  });
});

describe('evaluate: findings and redactions', () => {
  it('locates every match per segment with a hash, never the matched text', async () => {
    const r = rule(literalScanner(['hunter2']), { action: 'redact', detector: 'password', policy: 'p1', id: 'pw' });
    const result = await evaluate([r], [seg('pw hunter2'), seg('none'), seg('hunter2 and hunter2')], 'input', opts);
    expect(result.findings).toEqual([
      {
        rule: 'pw',
        policy: 'p1',
        detector: 'password',
        phase: 'input',
        action: 'redact',
        enforced: true,
        count: 3,
        locations: [
          { segment: 0, start: 3, end: 10, hash: hash('hunter2') },
          { segment: 2, start: 0, end: 7, hash: hash('hunter2') },
          { segment: 2, start: 12, end: 19, hash: hash('hunter2') },
        ],
      },
    ]);
    expect(JSON.stringify(result.findings)).not.toContain('hunter2');
    expect(result.redactions).toEqual([
      { segment: 0, spans: [{ start: 3, end: 10, label: '[REDACTED:password]' }] },
      { segment: 2, spans: [{ start: 0, end: 7, label: '[REDACTED:password]' }, { start: 12, end: 19, label: '[REDACTED:password]' }] },
    ]);
  });

  it('merges overlapping redactions of different rules under the outermost label', async () => {
    const email = rule(literalScanner(['bob@corp.example.com']), { action: 'redact', detector: 'email' });
    const host = rule(literalScanner(['corp.example.com']), { action: 'redact', detector: 'host' });
    const result = await evaluate([host, email], [seg('mail bob@corp.example.com now')], 'input', opts);
    expect(result.redactions).toEqual([{ segment: 0, spans: [{ start: 5, end: 25, label: '[REDACTED:email]' }] }]);
    expect(result.findings).toHaveLength(2);
  });

  it('only redact rules produce redactions', async () => {
    const flag = rule(literalScanner(['alpha']), { action: 'flag' });
    const block = rule(literalScanner(['beta']), { action: 'block' });
    expect((await evaluate([flag, block], [seg('alpha beta')], 'input', opts)).redactions).toEqual([]);
  });
});

describe('evaluate: failures become findings', () => {
  it('fails a throwing sync block or redact rule closed, a flag rule open', async () => {
    const block = rule(throwingScanner(), { action: 'block', id: 'b' });
    const flag = rule(throwingScanner(), { action: 'flag', id: 'f' });
    const closed = await evaluate([block], [seg('x')], 'input', opts);
    expect(closed.decision).toBe('block');
    expect(closed.blockedBy).toEqual(['b']);
    expect(closed.findings[0]).toMatchObject({ count: 0, enforced: true, action: 'block', error: 'Error: detector bug' });
    const redact = await evaluate([rule(throwingScanner(), { action: 'redact' })], [seg('x')], 'input', opts);
    expect(redact.decision).toBe('block');
    const open = await evaluate([flag], [seg('x')], 'input', opts);
    expect(open.decision).toBe('allow');
    expect(open.findings[0]).toMatchObject({ rule: 'f', count: 0, enforced: false, error: 'Error: detector bug' });
  });

  it('records a rejecting async rule with onError allow, without acting', async () => {
    const r = rule(asyncScanner(() => Promise.reject(new Error('HTTP 500')), 'allow'), { action: 'block', id: 'mod' });
    const result = await evaluate([r], [seg('x')], 'input', opts);
    expect(result.decision).toBe('allow');
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'mod', count: 0, enforced: false, action: 'block', error: 'Error: HTTP 500' }),
    ]);
  });

  it('blocks on an async rule that throws synchronously when onError is block', async () => {
    const scanner = asyncScanner(() => {
      throw new TypeError('no endpoint');
    }, 'block');
    const r = rule(scanner, { action: 'flag', id: 'mod' });
    const result = await evaluate([r], [seg('x')], 'input', opts);
    expect(result.decision).toBe('block');
    expect(result.blockedBy).toEqual(['mod']);
    expect(result.findings[0]).toMatchObject({ action: 'block', enforced: true, error: 'TypeError: no endpoint' });
  });

  it('times out an async rule that never answers, even one that ignores its signal', async () => {
    const ignoring = rule(asyncScanner(() => new Promise(() => undefined), 'block'), { action: 'flag' });
    let aborted = false;
    const honouring = rule(
      asyncScanner(
        (_text, signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason);
            }),
          ),
        'allow',
      ),
      { action: 'flag' },
    );
    const started = performance.now();
    const result = await evaluate([ignoring, honouring], [seg('x')], 'input', { hash, timeoutMs: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(aborted).toBe(true);
    expect(result.findings.map((f) => f.error)).toEqual(['timed out after 50 ms', 'timed out after 50 ms']);
    expect(result.decision).toBe('block');
  });

  it('turns the caller aborting into findings, before or during the check', async () => {
    const slow = rule(asyncScanner(() => new Promise(() => undefined), 'allow'), { action: 'block' });
    const controller = new AbortController();
    const pending = evaluate([slow], [seg('x')], 'input', { hash, signal: controller.signal });
    controller.abort();
    expect((await pending).findings[0]).toMatchObject({ error: 'aborted', enforced: false });
    let called = false;
    const spy = rule(asyncScanner(async () => ((called = true), { flagged: true, categories: [] })), { action: 'block' });
    const already = await evaluate([spy], [seg('x')], 'input', { hash, signal: AbortSignal.abort() });
    expect(called).toBe(false);
    expect(already.findings[0]).toMatchObject({ error: 'aborted' });
  });

  it('treats a malformed verdict as a failure', async () => {
    const r = rule(asyncScanner(async () => undefined as never, 'block'), { action: 'flag' });
    expect((await evaluate([r], [seg('x')], 'input', opts)).findings[0]).toMatchObject({ action: 'block', count: 0 });
  });
});

describe('evaluate: async rules', () => {
  it('judges the segments joined by newlines, once', async () => {
    const seen: string[] = [];
    const r = rule(
      asyncScanner(async (text) => {
        seen.push(text);
        return { flagged: true, categories: ['hate'] };
      }),
      { action: 'block', id: 'mod', detector: 'moderation' },
    );
    const result = await evaluate([r], [seg('one'), seg('two')], 'input', opts);
    expect(seen).toEqual(['one\ntwo']);
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'mod', count: 1, locations: [], categories: ['hate'], action: 'block' }),
    ]);
    expect(result.decision).toBe('block');
  });

  it('acts as flag for a redact rule, since a verdict has no spans to cut', async () => {
    const r = rule(asyncScanner(async () => ({ flagged: true, categories: ['violence'] })), { action: 'redact' });
    const result = await evaluate([r], [seg('x')], 'input', opts);
    expect(result.decision).toBe('flag');
    expect(result.findings[0]).toMatchObject({ action: 'flag' });
    expect(result.redactions).toEqual([]);
  });

  it('records nothing for an unflagged verdict, and makes no call for empty text', async () => {
    let calls = 0;
    const r = rule(asyncScanner(async () => (calls++, { flagged: false, categories: [] })), { action: 'block' });
    expect((await evaluate([r], [seg('fine')], 'input', opts)).findings).toEqual([]);
    expect((await evaluate([r], [seg('')], 'input', opts)).findings).toEqual([]);
    expect(calls).toBe(1);
  });

  it('runs async checks concurrently and keeps findings in rule order', async () => {
    const delayed = (ms: number, category: string) =>
      asyncScanner(() => new Promise((resolve) => setTimeout(() => resolve({ flagged: true, categories: [category] }), ms)));
    const first = rule(delayed(120, 'slow'), { action: 'flag' });
    const sync = rule(literalScanner(['x']), { action: 'flag' });
    const last = rule(delayed(10, 'fast'), { action: 'flag' });
    const started = performance.now();
    const result = await evaluate([first, sync, last, rule(delayed(120, 'slow2'), { action: 'flag' })], [seg('x')], 'input', opts);
    expect(performance.now() - started).toBeLessThan(230);
    expect(result.findings.map((f) => f.rule)).toEqual([first.id, sync.id, last.id, expect.any(String)]);
    expect(result.timings.map((t) => t.rule)).toEqual(result.findings.map((f) => f.rule));
    expect(result.timings[0]?.ms).toBeGreaterThanOrEqual(100);
  });
});

describe('evaluateSync', () => {
  it('refuses to skip an applicable async rule', () => {
    const r = rule(asyncScanner(async () => ({ flagged: false, categories: [] })), { phases: ['output'] });
    expect(hasAsyncRules([r], 'input')).toBe(false);
    expect(hasAsyncRules([r], 'output')).toBe(true);
    expect(evaluateSync([r], [seg('x')], 'input', opts).decision).toBe('allow');
    expect(() => evaluateSync([r], [seg('x')], 'output', opts)).toThrow(/async/);
  });

  it('costs microseconds with zero rules or no findings', () => {
    const rules = Array.from({ length: 10 }, (_, i) => rule(literalScanner([`term${i}`]), { action: 'block' }));
    const segments = [seg('a short clean prompt')];
    const time = (fn: () => unknown): number => {
      for (let i = 0; i < 1000; i++) fn();
      const started = performance.now();
      for (let i = 0; i < 10_000; i++) fn();
      return ((performance.now() - started) / 10_000) * 1000;
    };
    // Generous bounds (microseconds per call) so a slow CI box does not flake.
    expect(time(() => evaluateSync([], segments, 'input', opts))).toBeLessThan(20);
    expect(time(() => evaluateSync(rules, segments, 'input', opts))).toBeLessThan(200);
  });
});

describe('evaluate: text parts of one message are read across their seams', () => {
  const part = (message: number, index: number, text: string): Segment => ({ path: ['messages', message, 'content', index, 'text'], kind: 'text', role: 'user', text });

  it('blocks a term split over two parts, redacts a match on both sides, and leaves separate messages apart', async () => {
    const { compilePolicy } = await import('../../../src/policy/index.js');
    const policy = await compilePolicy(
      'name: t\nrules:\n  - {id: banned, detector: keywords, keywords: [project nightingale], action: block}\n  - {id: mail, detector: email, action: redact}\n',
      { fileName: 't.yaml', env: {} },
    );
    const blocked = await evaluate(policy.rules, [part(0, 0, 'tell me about project'), part(0, 1, ' nightingale please')], 'input', { hash });
    expect(blocked.decision).toBe('block');
    expect(blocked.findings[0]!.locations.map((l) => [l.segment, l.start, l.end])).toEqual([[0, 14, 21], [1, 0, 12]]);
    const redacted = await evaluate(policy.rules, [part(1, 0, 'write to jane.doe@exa'), part(1, 1, 'mple.com today')], 'input', { hash });
    expect(redacted.decision).toBe('redact');
    expect(redacted.redactions.map((r) => [r.segment, r.spans.map((s) => [s.start, s.end])])).toEqual([[0, [[9, 21]]], [1, [[0, 8]]]]);
    const apart = await evaluate(policy.rules, [part(0, 0, 'tell me about project'), part(1, 0, ' nightingale please')], 'input', { hash });
    expect(apart.decision).toBe('allow');
    // Three parts, and a part skipped (an empty one is no segment), padded past any window.
    const three = await evaluate(policy.rules, [part(2, 0, 'tell me about proj'), part(2, 1, 'ect night'), part(2, 3, 'ingale')], 'input', { hash });
    expect(three.decision).toBe('block');
    expect(three.findings[0]!.locations.map((l) => l.segment)).toEqual([0, 1, 2]);
    const padded = await evaluate(policy.rules, [part(3, 0, `p${'\u200b'.repeat(5000)}roject`), part(3, 1, ' nightingale')], 'input', { hash });
    expect(padded.decision).toBe('block');
    const mail = await evaluate(policy.rules, [part(4, 0, 'mail john.'), part(4, 1, 'doe@exam'), part(4, 2, 'ple.com now')], 'input', { hash });
    expect(mail.redactions.map((r) => [r.segment, r.spans.map((x) => [x.start, x.end])])).toEqual([[0, [[5, 10]]], [1, [[0, 8]]], [2, [[0, 7]]]]);
  });
});
