// Figure 5: streaming. (a) Time to first byte of a streamed 2 KB chat call, sequential and
// interleaved. (b) 1,000 concurrent slow streams through a fresh sidecar (so what earlier
// figures left in its heap does not count): the child's peak RSS, read from
// /proc/<pid>/status while they are all open.
import { AUTH, CHAT_PATH, type BenchContext } from '../lib/context.js';
import { smallChat } from '../lib/corpus.js';
import type { BenchRequest, BenchResponse, Client } from '../lib/http-load.js';
import { startPair, type Pair } from '../lib/setup.js';
import { openFds, rssBytes } from '../lib/procs.js';
import { int, mb, ms, plusMs, Samples, sleep } from '../lib/stats.js';

const STREAMS = 1_000;
const RSS_GOAL = 300 * 1024 * 1024;
/** The first SSE event that carries text (not the empty role delta). */
const FIRST_TEXT = /"content":"[^"]/;

export async function streamingTtfb(b: BenchContext): Promise<void> {
  const n = Math.min(b.opts.samples, 1_000);
  b.log(`5a. streaming time to first byte: ${n} sequential streamed 2 KB chat calls per target, interleaved`);
  const pair = await b.pair();
  const { direct, sidecar } = pair.clients(1);
  const req: BenchRequest = { path: CHAT_PATH, headers: AUTH, body: smallChat(2048, { stream: true }) };
  const first = { direct: new Samples(), sidecar: new Samples() };
  const text = { direct: new Samples(), sidecar: new Samples() };
  const one = async (client: Client, keep: boolean) => {
    const r = await client.send(req, { marker: FIRST_TEXT });
    if (r.status !== 200 || r.error || !r.tail.includes('[DONE]')) throw new Error(`${client.name}: stream failed: ${r.error ?? `HTTP ${r.status}`}`);
    if (!keep) return;
    const k = client === direct ? 'direct' : 'sidecar';
    first[k].add(r.firstByteMs);
    text[k].add(r.markerMs);
  };
  for (let i = 0; i < 200; i++) {
    await one(direct, false);
    await one(sidecar, false);
  }
  for (let i = 0; i < n; i++) {
    await one(direct, true);
    await one(sidecar, true);
  }
  const row = (what: string, p: number, x: { direct: Samples; sidecar: Samples }, goal: number | null) => {
    const dv = x.direct.percentile(p);
    const sv = x.sidecar.percentile(p);
    b.report.add({
      figure: `5. stream ${what} p${p} (n=${n} each)`,
      direct: ms(dv),
      sidecar: ms(sv),
      diff: plusMs(sv - dv),
      goal: goal === null ? '—' : `≤ +${goal} ms`,
      met: goal === null ? null : sv - dv <= goal,
    });
  };
  row('time to first byte', 50, first, 2);
  row('time to first byte', 99, first, null);
  row('time to first text delta', 50, text, null);
}

interface Swarm {
  readonly ok: number;
  readonly firstError: string | null;
  readonly elapsedMs: number;
  readonly peakRss: number;
  readonly baseRss: number;
  readonly peakSockets: number;
}

async function swarm(client: Client, req: BenchRequest, watchPid: number): Promise<Swarm> {
  const baseRss = rssBytes(watchPid);
  let peakRss = baseRss;
  let peakSockets = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssBytes(watchPid));
    peakSockets = Math.max(peakSockets, openFds(watchPid).sockets);
  }, 100);
  const t0 = performance.now();
  const results: BenchResponse[] = await Promise.all(Array.from({ length: STREAMS }, () => client.send(req, { timeoutMs: 120_000 })));
  const elapsedMs = performance.now() - t0;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, rssBytes(watchPid));
  const good = results.filter((r) => r.status === 200 && !r.error && r.tail.includes('[DONE]'));
  const bad = results.find((r) => !good.includes(r));
  return { ok: good.length, firstError: bad ? (bad.error ?? `HTTP ${bad.status}`) : null, elapsedMs, peakRss, baseRss, peakSockets };
}

export async function streamingMemory(b: BenchContext): Promise<void> {
  b.log(`5b. ${int(STREAMS)} concurrent streams (40 events, 100 ms apart: about 4 s each), fresh sidecar`);
  const pair = await startPair({ db: b.db, work: b.work, name: 'streams' });
  try {
    await streamSwarms(b, pair);
  } finally {
    await pair.stop();
  }
}

async function streamSwarms(b: BenchContext, pair: Pair): Promise<void> {
  const { direct, sidecar } = pair.clients(STREAMS);
  const req: BenchRequest = {
    path: CHAT_PATH,
    headers: { ...AUTH, 'x-standin-chunks': '40', 'x-standin-chunk-delay-ms': '100' },
    body: smallChat(2048, { stream: true }),
  };
  // A few calls first, so the idle figure includes what the first call loads.
  for (let i = 0; i < 20; i++) await sidecar.send({ ...req, headers: AUTH });
  await sleep(1_000);
  const d = await swarm(direct, req, pair.standin.pid);
  const s = await swarm(sidecar, req, pair.sidecar.pid);
  b.report.add({
    figure: `5. ${int(STREAMS)} concurrent streams: sidecar peak RSS`,
    direct: `${d.ok}/${STREAMS} ok in ${ms(d.elapsedMs)} (stand-in peak ${mb(d.peakRss)})`,
    sidecar: `${mb(s.peakRss)} (idle ${mb(s.baseRss)}, ${int(s.peakSockets)} sockets); ${s.ok}/${STREAMS} ok in ${ms(s.elapsedMs)}`,
    diff: `+${mb(s.peakRss - s.baseRss)} while streaming`,
    goal: '< 300 MB RSS, all complete',
    met: s.peakRss < RSS_GOAL && s.ok === STREAMS,
  });
  if (d.firstError || s.firstError) b.report.note(`figure 5: failed streams: direct ${d.firstError}, sidecar ${s.firstError}`);
}
