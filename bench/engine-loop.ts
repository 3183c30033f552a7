// `node dist/bench/engine-loop.js [--keywords N] [--runs R] [--fingerprint] [--share]`: the engine part
// of figure 3 on its own, for working on the engine. Runs evaluate over the 4 MB document
// (bundled policies, the banned-terms list grown to N terms) R times and prints the median
// and best wall time, the CPU time per run (process.cpuUsage) and the median of each check.
// --fingerprint instead prints a digest of what the engine finds (findings, locations,
// redactions; no timings) on the document and on variants of it (upper case, invisible
// characters, full-width and look-alike letters), so two builds can be compared for
// identical results. --share runs the rules on two threads, as a scan worker does with its
// rule helper (wall time is then the figure; CPU time is this thread's only).
import { createHash, createHmac } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate, evaluateSync, type Evaluation, type RuleSharer } from '../src/filters/engine.js';
import type { Segment } from '../src/filters/types.js';
import { extractRequest } from '../src/openai/extract-request.js';
import { compilePolicy } from '../src/policy/index.js';
import { RuleHelper } from '../src/scan/rule-helper.js';
import { documentChat, mixedText, rng, wordsOf } from './lib/corpus.js';
import { BIG_PROMPT_BYTES, growBannedList } from './lib/setup.js';

const { values } = parseArgs({
  options: {
    keywords: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '15' },
    fingerprint: { type: 'boolean', default: false },
    share: { type: 'boolean', default: false },
  },
});

const text = mixedText(BIG_PROMPT_BYTES - 1024);
const dir = mkdtempSync(join(tmpdir(), 'engine-loop-'));
let helper: RuleHelper | null = null;
try {
  cpSync(new URL('../../policies', import.meta.url), dir, { recursive: true });
  growBannedList(join(dir, 'lists', 'banned.txt'), Number(values.keywords), wordsOf(text));
  let yaml = readFileSync(join(dir, 'default.yaml'), 'utf8');
  if (values.fingerprint) {
    // Terms that do occur, so the keyword rules have something to find: words and pairs of
    // words of the document, whole words and substrings.
    const words = [...wordsOf(text)].sort();
    const picked = words.filter((_, i) => i % 7 === 0).slice(0, 300);
    const pairs = text.match(/\p{L}+ \p{L}+/gu)?.filter((_, i) => i % 997 === 0).slice(0, 100) ?? [];
    writeFileSync(join(dir, 'lists', 'fp.txt'), [...picked, ...pairs, 'ss', 'straße', 'ab', 'e'].join('\n'));
    yaml += [
      '  - id: fp-words', '    detector: keywords', '    file: lists/fp.txt', '    action: redact',
      '  - id: fp-substrings', '    detector: keywords', '    file: lists/fp.txt', '    match: substring', '    action: flag', '',
    ].join('\n');
  }
  const policy = await compilePolicy(yaml, { fileName: 'default.yaml', env: {}, dir });
  const key = 'bench-hash-key-0123456789';
  const hash = (m: string): string => createHmac('sha256', key).update(m).digest('hex').slice(0, 16);
  const segmentsOf = (t: string): readonly Segment[] =>
    extractRequest('chat.completions', JSON.parse(documentChat(t).toString('utf8')) as Record<string, unknown>).segments;
  let share: RuleSharer | undefined;
  if (values.share) {
    helper = RuleHelper.create({ policyDir: dir, env: {}, hashKey: key });
    if (!helper) throw new Error('the rule helper is not built (npm run build)');
    const texts = [{ name: policy.name, file: 'default.yaml', text: yaml, contentHash: policy.contentHash }];
    helper.warm(texts);
    share = helper.sharer(texts, policy.rules.map((_, i) => [0, i] as const));
    // Until the helper has compiled, the worker runs every rule itself: wait for that.
    for (let i = 0; i < 20; i++) await evaluate(policy.rules, [{ path: [], kind: 'text', role: null, text: 'x'.repeat(200_000) }], 'input', { hash, share });
  }
  const run = (segments: readonly Segment[]): Evaluation | Promise<Evaluation> =>
    share ? evaluate(policy.rules, segments, 'input', { hash, share }) : evaluateSync(policy.rules, segments, 'input', { hash });

  if (values.fingerprint) {
    for (const [name, variant] of variants(text)) {
      const ev = await run(segmentsOf(variant));
      const { findings, redactions, decision, blockedBy } = ev;
      const digest = createHash('sha256').update(JSON.stringify({ findings, redactions, decision, blockedBy })).digest('hex').slice(0, 16);
      const counts = findings.map((f) => `${f.detector} ${f.count}`).join(', ');
      process.stdout.write(`${name.padEnd(12)} ${digest}  ${decision}; ${counts}\n`);
    }
  } else {
    const segments = segmentsOf(text);
    await run(segments);
    const wall: number[] = [];
    const cpu: number[] = [];
    const perCheck = new Map<string, number[]>();
    for (let i = 0; i < Number(values.runs); i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const ev = await run(segments);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      for (const t of ev.timings) {
        const list = perCheck.get(t.detector) ?? [];
        list.push(t.ms);
        perCheck.set(t.detector, list);
      }
      // Let the per-run caches go, as between two calls.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const f = (x: number): string => x.toFixed(1);
    process.stdout.write(`wall median ${f(median(wall))} best ${f(Math.min(...wall))} ms; cpu median ${f(median(cpu))} ms\n`);
    const checks = [...perCheck].map(([d, l]) => [d, median(l)] as const).sort((a, b) => b[1] - a[1]);
    process.stdout.write(`${checks.map(([d, m]) => `${d} ${f(m)}`).join(', ')}; sum ${f(checks.reduce((s, c) => s + c[1], 0))}\n`);
  }
} finally {
  await helper?.close();
  rmSync(dir, { recursive: true, force: true });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The document and variants of it that exercise the folding and the detectors differently. */
function* variants(doc: string): Generator<[string, string]> {
  yield ['document', doc];
  yield ['upper', doc.toUpperCase()];
  const part = doc.slice(0, 400_000);
  const r = rng(11);
  const noisy = (swap: (ch: string) => string): string => {
    let out = '';
    for (const ch of part) out += r() < 0.15 ? swap(ch) : ch;
    return out;
  };
  const LOOKALIKE: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', i: 'і', k: 'κ', s: 'ѕ', '1': '１', '4': '４' };
  yield ['invisible', noisy((ch) => `${ch}\u200b`)];
  yield ['softhyphen', noisy((ch) => `\u00ad${ch}`)];
  yield ['fullwidth', noisy((ch) => (ch >= '!' && ch <= '~' ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch))];
  yield ['lookalike', noisy((ch) => LOOKALIKE[ch] ?? ch)];
  yield ['marks', noisy((ch) => `${ch}\u0301`)];
  yield ['astral', noisy((ch) => (ch >= 'a' && ch <= 'z' ? String.fromCodePoint(0x1d41a + ch.charCodeAt(0) - 97) : ch))];
  yield ['surrogate', noisy((ch) => `${ch}\ud800`)];
  yield ['spaces', noisy((ch) => (ch === ' ' ? ' \t\n ' : ch))];
  yield ['ctrl', noisy((ch) => (ch === ' ' ? '\u00a0' : ch === '-' ? '\u2010' : ch))];
}
