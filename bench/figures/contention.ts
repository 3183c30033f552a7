// Figure 4: small calls while 4 MB prompts are being scanned. One connection sends the
// 4 MB document back to back; meanwhile 2 KB calls arrive at a steady rate on others. The
// same with both streams sent directly to the stand-in.
import { AUTH, CHAT_PATH, type BenchContext } from '../lib/context.js';
import { documentChat, smallChat } from '../lib/corpus.js';
import { openLoop, type BenchRequest, type Client } from '../lib/http-load.js';
import { cpuMs } from '../lib/procs.js';
import { int, ms, plusMs, Samples } from '../lib/stats.js';

const SMALL_RATE = 100;
const DURATION_MS = 10_000;
const GOAL_MS = 20;

interface Outcome {
  readonly small: Samples;
  readonly smallFailed: number;
  readonly bigDone: number;
  readonly bigMs: Samples;
}

async function underLoad(small: Client, big: Client, smallReq: BenchRequest, bigReq: BenchRequest): Promise<Outcome> {
  let stop = false;
  let bigDone = 0;
  const bigMs = new Samples();
  const bigLoop = (async () => {
    while (!stop) {
      const r = await big.send(bigReq);
      if (r.status !== 200) throw new Error(`${big.name}: 4 MB call failed: ${r.error ?? `HTTP ${r.status}`}`);
      bigDone++;
      bigMs.add(r.ms);
    }
  })();
  // Let the first big call get going before timing the small ones.
  await new Promise((r) => setTimeout(r, 200));
  const samples = new Samples();
  let smallFailed = 0;
  await openLoop(small, () => ({ req: smallReq }), {
    rate: SMALL_RATE,
    durationMs: DURATION_MS,
    maxInflight: 200,
    onResult: (r) => {
      if (r.status === 200 && !r.error) samples.add(r.ms);
      else smallFailed++;
    },
  });
  stop = true;
  await bigLoop;
  return { small: samples, smallFailed, bigDone, bigMs };
}

export async function contention(b: BenchContext): Promise<void> {
  b.log(`4. small calls (${SMALL_RATE}/s, ${DURATION_MS / 1000} s) while 4 MB prompts are sent back to back`);
  const pair = await b.pair();
  const big = pair.clients(1);
  const small = pair.clients(16);
  const smallReq: BenchRequest = { path: CHAT_PATH, headers: AUTH, body: smallChat(2048) };
  const bigReq: BenchRequest = { path: CHAT_PATH, headers: AUTH, body: documentChat(b.work.bigText) };
  const d = await underLoad(small.direct, big.direct, smallReq, bigReq);
  // CPU, unlike wall time, does not depend on what else the machine runs: how much of the
  // sidecar's work its event loop (main thread) still does, the rest being scan workers.
  const pid = pair.sidecar.pid;
  const cpu0 = { main: cpuMs(pid, pid), all: cpuMs(pid) };
  const s = await underLoad(small.sidecar, big.sidecar, smallReq, bigReq);
  const cpu = { main: cpuMs(pid, pid) - cpu0.main, all: cpuMs(pid) - cpu0.all };
  const p99 = [d.small.percentile(99), s.small.percentile(99)] as const;
  b.report.add({
    figure: `4. small-call p99 during 4 MB scans (${SMALL_RATE}/s)`,
    direct: ms(p99[0]),
    sidecar: ms(p99[1]),
    diff: plusMs(p99[1] - p99[0]),
    goal: `≤ ${GOAL_MS} ms`,
    met: p99[1] <= GOAL_MS && s.smallFailed === 0,
  });
  b.report.add({
    figure: '4. small-call p50 / max; 4 MB calls done (p50)',
    direct: `${ms(d.small.percentile(50))} / ${ms(d.small.percentile(100))}; ${int(d.bigDone)} big (${ms(d.bigMs.percentile(50))})`,
    sidecar: `${ms(s.small.percentile(50))} / ${ms(s.small.percentile(100))}; ${int(s.bigDone)} big (${ms(s.bigMs.percentile(50))})`,
    diff: '—',
    goal: '—',
    met: null,
  });
  b.report.note(
    `figure 4: sidecar CPU during its run ${int(cpu.all)} ms, of which its main thread ${int(cpu.main)} ms ` +
      `(${int(s.bigDone)} big and ${int(s.small.count)} small calls done)`,
  );
  if (d.smallFailed || s.smallFailed) b.report.note(`figure 4: failed small calls: direct ${d.smallFailed}, sidecar ${s.smallFailed}`);
}
