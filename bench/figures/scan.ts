// Figure 3: a 4 MB prompt under the bundled rules (secrets, PII, IPs, regex) plus a keyword
// list of 10 to 100,000 terms. In-process: compilePolicy + evaluate on the parent's own
// thread, then the same shared with a rule helper thread as a scan worker does. End to end: the same 4 MB document sent through the proxy (1,000 keywords) and
// directly, interleaved.
import { createHmac } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, type Evaluation, type RuleSharer } from '../../src/filters/engine.js';
import type { CompiledRule, Segment } from '../../src/filters/types.js';
import { extractRequest } from '../../src/openai/extract-request.js';
import { compilePolicy } from '../../src/policy/index.js';
import { RuleHelper } from '../../src/scan/rule-helper.js';
import { AUTH, CHAT_PATH, type BenchContext } from '../lib/context.js';
import { documentChat } from '../lib/corpus.js';
import type { BenchRequest, Client } from '../lib/http-load.js';
import { BENCH_KEYWORDS, growBannedList } from '../lib/setup.js';
import { int, median, ms, plusMs } from '../lib/stats.js';

const KEYWORD_COUNTS = [10, 100, 1_000, 10_000, 100_000] as const;
const GOAL_MS = 100;
/**
 * "Barely changes": the slowest keyword count within this factor of the fastest, compared
 * on the best of the runs (the least disturbed by whatever else the machine is doing).
 */
const FLAT_FACTOR = 1.25;
const RUNS = 7;
const E2E_RUNS = 10;
const HELPER_WARM_RUNS = 5;

export async function scanEngine(b: BenchContext): Promise<void> {
  b.log('3a. engine: 4 MB document, bundled rules + N keywords, in-process compilePolicy + evaluate');
  const body = JSON.parse(documentChat(b.work.bigText).toString('utf8')) as Record<string, unknown>;
  const { segments } = extractRequest('chat.completions', body);
  const key = 'bench-hash-key-0123456789';
  const hash = (m: string) => createHmac('sha256', key).update(m).digest('hex').slice(0, 16);
  const results: { n: number; evalMs: number; bestMs: number; keywordMs: number; compileMs: number; ev: Evaluation }[] = [];
  for (const n of KEYWORD_COUNTS) {
    const dir = join(b.work.dir, `engine-${n}`);
    cpSync(new URL('../../../policies', import.meta.url), dir, { recursive: true });
    growBannedList(join(dir, 'lists', 'banned.txt'), n, b.work.bigWords);
    const text = readFileSync(join(dir, 'default.yaml'), 'utf8');
    const c0 = performance.now();
    const policy = await compilePolicy(text, { fileName: 'default.yaml', env: {}, dir });
    const compileMs = performance.now() - c0;
    await evaluate(policy.rules, segments, 'input', { hash }); // warm-up
    const times: number[] = [];
    const kw: number[] = [];
    let ev: Evaluation | null = null;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      ev = await evaluate(policy.rules, segments, 'input', { hash });
      times.push(performance.now() - t0);
      kw.push(ev.timings.find((t) => t.detector === 'keywords')?.ms ?? Number.NaN);
    }
    results.push({ n, evalMs: median(times), bestMs: Math.min(...times), keywordMs: median(kw), compileMs, ev: ev! });
    const shared = await twoThreads(policy.rules, segments, { name: policy.name, text, contentHash: policy.contentHash, dir, key }, hash);
    b.report.add({
      figure: `3. engine: 4 MB, bundled rules + ${int(n)} keywords, median (best) of ${RUNS}: one thread; two (scan worker + helper)`,
      direct: '—',
      sidecar: `${ms(median(times))} (${ms(Math.min(...times))}); ${ms(median(shared))} (${ms(Math.min(...shared))})`,
      diff: `compile ${ms(compileMs)}; keywords rule ${ms(median(kw))}`,
      goal: `≤ ${GOAL_MS} ms`,
      met: median(shared) <= GOAL_MS,
    });
  }
  const evals = results.map((r) => r.bestMs);
  const lo = Math.min(...evals);
  const hi = Math.max(...evals);
  b.report.add({
    figure: `3. engine time (best), ${int(KEYWORD_COUNTS[0])} → ${int(KEYWORD_COUNTS.at(-1)!)} keywords`,
    direct: '—',
    sidecar: `${ms(lo)} … ${ms(hi)}`,
    diff: `×${(hi / lo).toFixed(2)}`,
    goal: `barely changes (≤ ×${FLAT_FACTOR})`,
    met: hi / lo <= FLAT_FACTOR,
  });
  const ref = results.find((r) => r.n === BENCH_KEYWORDS) ?? results[0]!;
  const found = ref.ev.findings.map((f) => `${f.detector} ${f.count}`).join(', ');
  const slow = [...ref.ev.timings].sort((x, y) => y.ms - x.ms).slice(0, 5).map((t) => `${t.detector} ${ms(t.ms)}`).join(', ');
  b.report.note(`figure 3: the 4 MB document gives decision ${ref.ev.decision}; findings ${found}; slowest checks ${slow}`);
}

/**
 * The same evaluation shared with a rule helper thread, as a scan worker runs it: wall
 * times of RUNS runs, after warm-up runs until the helper has compiled and takes rules,
 * and a few more.
 */
async function twoThreads(
  rules: readonly CompiledRule[],
  segments: readonly Segment[],
  p: { name: string; text: string; contentHash: string; dir: string; key: string },
  hash: (m: string) => string,
): Promise<number[]> {
  const helper = RuleHelper.create({ policyDir: p.dir, env: {}, hashKey: p.key });
  if (!helper) throw new Error('the rule helper is not built (npm run build)');
  try {
    const texts = [{ name: p.name, file: 'default.yaml', text: p.text, contentHash: p.contentHash }];
    helper.warm(texts);
    const inner = helper.sharer(texts, rules.map((_, i) => [0, i] as const));
    let took = 0;
    const share: RuleSharer = {
      minChars: inner.minChars,
      run: async (...args) => {
        const checks = await inner.run(...args);
        took += checks.size;
        return checks;
      },
    };
    for (let i = 0; i < 50 && took === 0; i++) await evaluate(rules, segments, 'input', { hash, share });
    if (took === 0) throw new Error('the rule helper took no rule in 50 runs');
    // The helper's own code is compiled as it runs: warm it as a sidecar's would be after a few calls.
    for (let i = 0; i < HELPER_WARM_RUNS; i++) await evaluate(rules, segments, 'input', { hash, share });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await evaluate(rules, segments, 'input', { hash, share });
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await helper.close();
  }
}

export async function scanEndToEnd(b: BenchContext): Promise<void> {
  b.log(`3b. end to end: the 4 MB document, ${E2E_RUNS} calls per target, interleaved`);
  const pair = await b.pair();
  const { direct, sidecar } = pair.clients(1);
  const req: BenchRequest = { path: CHAT_PATH, headers: AUTH, body: documentChat(b.work.bigText) };
  const d: number[] = [];
  const s: number[] = [];
  let decision = '';
  const one = async (client: Client, into: number[] | null) => {
    const r = await client.send(req);
    if (r.status !== 200 || r.error) throw new Error(`${client.name}: 4 MB call failed: ${r.error ?? `HTTP ${r.status}`}`);
    if (client === sidecar) decision = String(r.decision);
    into?.push(r.ms);
  };
  for (let i = 0; i < 2; i++) {
    await one(direct, null);
    await one(sidecar, null);
  }
  for (let i = 0; i < E2E_RUNS; i++) {
    await one(direct, d);
    await one(sidecar, s);
  }
  const added = median(s) - median(d);
  b.report.add({
    figure: `3. 4 MB prompt end to end, ${int(BENCH_KEYWORDS)} keywords, p50 of ${E2E_RUNS}`,
    direct: ms(median(d)),
    sidecar: ms(median(s)),
    diff: plusMs(added),
    goal: `≤ +${GOAL_MS} ms`,
    met: added <= GOAL_MS,
  });
  b.report.note(`figure 3: the sidecar's decision on the 4 MB document: ${decision} (request ${int(req.body!.length)} bytes); slowest sidecar call ${ms(Math.max(...s))}`);
}
