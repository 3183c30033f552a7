// Figure 2: peak throughput with 64 keep-alive connections for a fixed time, direct and
// through the sidecar, then a count of the records in the database after draining.
import { AUTH, CHAT_PATH, type BenchContext } from '../lib/context.js';
import { smallChat } from '../lib/corpus.js';
import { closedLoop, type BenchRequest, type Client, type LoopResult } from '../lib/http-load.js';
import { cpuMs } from '../lib/procs.js';
import { int, ms, pct, plusMs as plus } from '../lib/stats.js';

const CONNECTIONS = 64;
const GOAL = 2_000;

interface Drained {
  readonly drained: boolean;
  readonly ms: number;
  readonly stats: { readonly queued: number; readonly written: number; readonly dropped: number; readonly writeErrors: number };
}

export async function throughput(b: BenchContext): Promise<void> {
  const durationMs = b.opts.durationS * 1000;
  b.log(`2. throughput: ${CONNECTIONS} keep-alive connections, ${b.opts.durationS} s per target`);
  const pair = await b.pair();
  const { direct, sidecar } = pair.clients(CONNECTIONS);
  const req: BenchRequest = { path: CHAT_PATH, headers: AUTH, body: smallChat(2048) };
  const run = (c: Client, d: number) => closedLoop(c, () => req, { connections: CONNECTIONS, durationMs: d });

  await run(direct, 2_000);
  await run(sidecar, 2_000);
  const statsBefore = (await pair.sidecar.rpc<Drained>('drain')).stats;
  const before = await pair.sidecar.rpc<number>('count');

  const own = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const cpu0 = { standin: cpuMs(pair.standin.pid), sidecar: cpuMs(pair.sidecar.pid), client: own() };
  const d = await run(direct, durationMs);
  const cpu1 = { standin: cpuMs(pair.standin.pid), sidecar: cpuMs(pair.sidecar.pid), client: own() };
  const s = await run(sidecar, durationMs);
  const cpu2 = { standin: cpuMs(pair.standin.pid), sidecar: cpuMs(pair.sidecar.pid), client: own() };

  const t0 = performance.now();
  const drained = await pair.sidecar.rpc<Drained>('drain');
  const drainMs = performance.now() - t0;
  const after = await pair.sidecar.rpc<number>('count');
  const sent = s.completed + s.failed;
  const recorded = after - before;
  const dropped = drained.stats.dropped - statsBefore.dropped;

  const rate = (r: LoopResult) => (r.completed / r.elapsedMs) * 1000;
  const label = `2. throughput, ${CONNECTIONS} keep-alive conns, ${b.opts.durationS} s`;
  b.report.add({
    figure: label,
    direct: `${int(rate(d))} calls/s`,
    sidecar: `${int(rate(s))} calls/s`,
    diff: `${pct(rate(s) / rate(d))} of direct`,
    goal: `≥ ${int(GOAL)} calls/s`,
    met: rate(s) >= GOAL && s.failed === 0,
  });
  b.report.add({
    figure: '2. calls recorded in Postgres after drain',
    direct: '—',
    sidecar: `${int(recorded)} of ${int(sent)} (drain ${ms(drainMs)})`,
    diff: `${int(sent - recorded)} missing, ${int(dropped)} dropped`,
    goal: 'every call',
    met: recorded === sent && dropped === 0 && drained.drained,
  });
  b.report.add({
    figure: '2. latency under that load p50 / p99',
    direct: `${ms(d.latencies.percentile(50))} / ${ms(d.latencies.percentile(99))}`,
    sidecar: `${ms(s.latencies.percentile(50))} / ${ms(s.latencies.percentile(99))}`,
    diff: `${plus(s.latencies.percentile(50) - d.latencies.percentile(50))} / ${plus(s.latencies.percentile(99) - d.latencies.percentile(99))}`,
    goal: '—',
    met: null,
  });
  const perCall = (cpu: number, calls: number) => `${int((cpu / calls) * 1000)} µs`;
  b.report.add({
    figure: '2. CPU per call, by process',
    direct: `stand-in ${perCall(cpu1.standin - cpu0.standin, d.completed)}, load generator ${perCall(cpu1.client - cpu0.client, d.completed)}`,
    sidecar: `sidecar ${perCall(cpu2.sidecar - cpu1.sidecar, s.completed)}, stand-in ${perCall(cpu2.standin - cpu1.standin, s.completed)}, load generator ${perCall(cpu2.client - cpu1.client, s.completed)}`,
    diff: `sidecar at ${pct((cpu2.sidecar - cpu1.sidecar) / s.elapsedMs)} of one core`,
    goal: '—',
    met: null,
  });
  if (d.failed || s.failed) b.report.note(`figure 2: failures direct ${d.failed} (${d.firstError}), sidecar ${s.failed} (${s.firstError})`);
  if (s.decisions.size) b.report.note(`figure 2: sidecar decisions ${JSON.stringify(Object.fromEntries(s.decisions))}`);
}

