// Figure 1: added latency of a 2 KB non-streaming chat call, sequential and interleaved
// (direct, sidecar, direct, ...) so both see the same machine state.
import { AUTH, CHAT_PATH, type BenchContext } from '../lib/context.js';
import { smallChat } from '../lib/corpus.js';
import type { BenchRequest, Client } from '../lib/http-load.js';
import { ms, plusMs, Samples } from '../lib/stats.js';

export async function latency(b: BenchContext): Promise<void> {
  b.log(`1. added latency: ${b.opts.samples} sequential 2 KB chat calls per target, interleaved`);
  const pair = await b.pair();
  const { direct, sidecar } = pair.clients(1);
  const req: BenchRequest = { path: CHAT_PATH, headers: AUTH, body: smallChat(2048) };
  const d = new Samples();
  const s = new Samples();
  const decisions = new Set<string>();
  const one = async (client: Client, into: Samples | null) => {
    const r = await client.send(req);
    if (r.status !== 200 || r.error) throw new Error(`${client.name}: ${r.error ?? `HTTP ${r.status}`}`);
    if (client === sidecar) decisions.add(String(r.decision));
    into?.add(r.ms);
  };
  for (let i = 0; i < 300; i++) {
    await one(direct, null);
    await one(sidecar, null);
  }
  for (let i = 0; i < b.opts.samples; i++) {
    await one(direct, d);
    await one(sidecar, s);
  }
  const p50 = [d.percentile(50), s.percentile(50)] as const;
  const p99 = [d.percentile(99), s.percentile(99)] as const;
  const label = `1. latency, 2 KB chat, sequential (n=${b.opts.samples} each)`;
  b.report.add({ figure: `${label} p50`, direct: ms(p50[0]), sidecar: ms(p50[1]), diff: plusMs(p50[1] - p50[0]), goal: '≤ +1 ms', met: p50[1] - p50[0] <= 1 });
  b.report.add({ figure: `${label} p99`, direct: ms(p99[0]), sidecar: ms(p99[1]), diff: plusMs(p99[1] - p99[0]), goal: '≤ +5 ms', met: p99[1] - p99[0] <= 5 });
  if ([...decisions].some((x) => x !== 'allow')) b.report.note(`figure 1: the sidecar decided ${[...decisions].join(', ')} (expected allow)`);
}
