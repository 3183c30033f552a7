// Figure 7 (not run by default): a memory soak. A steady open-loop rate of 2 KB chat calls
// through a fresh sidecar, 5 % of them aborted by the client while the upstream is still
// thinking, and a 4 MB document every 10 s. Every 10 s: the sidecar child's RSS, heap,
// open descriptors and sockets (floor and peak of readings taken every second). At the
// end: do they stay flat, and is every call recorded?
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH, CHAT_PATH, type BenchContext } from '../lib/context.js';
import { documentChat, rng, smallChat } from '../lib/corpus.js';
import { Client, openLoop, type OpenLoopCall } from '../lib/http-load.js';
import { openFds, rssBytes, socketKinds } from '../lib/procs.js';
import { startPair } from '../lib/setup.js';
import { int, mb, ms, Samples, sleep } from '../lib/stats.js';

const SAMPLE_EVERY_MS = 10_000;
const ABORT_SHARE = 0.05;
const BIG_EVERY_S = 10;

/** One 10 s window: the floor (min) and peak (max) of per-second readings. */
interface Window {
  readonly t: number;
  readonly rss: readonly [number, number];
  readonly heap: readonly [number, number];
  /** Sockets from callers (accepted on the proxy port). */
  readonly sockets: readonly [number, number];
  /** Sockets to the upstream (the sidecar's keep-alive pool). */
  readonly upstream: readonly [number, number];
  readonly fds: readonly [number, number];
  readonly queuedMax: number;
  readonly calls: number;
  /** p99 of the 2 KB calls that ended in the window (not aborted). */
  readonly p99: number;
}

const range = (xs: readonly number[]): [number, number] => {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? [Math.min(...ok), Math.max(...ok)] : [Number.NaN, Number.NaN];
};
const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function soak(b: BenchContext): Promise<void> {
  const durationMs = b.opts.minutes * 60_000;
  const rate = b.opts.soakRate;
  b.log(`7. soak: ${b.opts.minutes} min at ${rate} calls/s, ${ABORT_SHARE * 100} % client aborts, a 4 MB document every ${BIG_EVERY_S} s`);
  b.log('   each line: a 10 s window, floor–peak of readings taken every second');
  // --expose-gc only so the live heap can be measured after a full collection at both ends.
  const pair = await startPair({ db: b.db, work: b.work, name: 'soak', sidecarExecArgv: ['--expose-gc'] });
  try {
    const client = new Client('sidecar', pair.proxyUrl, 512);
    const small = smallChat(2048);
    const big = documentChat(b.work.bigText);
    const r = rng(42);
    const bigEvery = rate * BIG_EVERY_S;
    // Every call carries its own x-request-id, so the records can be matched call by call.
    let phase = 'warm';
    const make = (i: number): OpenLoopCall => {
      const headers = { ...AUTH, 'x-request-id': `soak-${phase}-${i}` };
      if (i % bigEvery === bigEvery / 2) return { req: { path: CHAT_PATH, headers, body: big } };
      if (r() < ABORT_SHARE) {
        // The stand-in waits 100 ms; the client gives up after 10-80 ms, mid-call.
        return { req: { path: CHAT_PATH, headers: { ...headers, 'x-standin-delay-ms': '100' }, body: small }, abortAfterMs: 10 + Math.floor(r() * 70) };
      }
      return { req: { path: CHAT_PATH, headers, body: small } };
    };
    // A short warm-up, so the first live-heap reading includes what every call loads once.
    await openLoop(client, make, { rate, durationMs: 5_000, maxInflight: 2_000, onResult: () => undefined });
    await pair.sidecar.rpc('drain');
    phase = 'run';
    const liveBefore = await pair.sidecar.rpc<{ heapUsed: number; rss: number }>('gc');
    // --keep-profiles: heap snapshots at both ends, to compare in DevTools (Memory, Comparison).
    const snapshot = async (name: string) => {
      if (!b.opts.keepProfiles) return;
      const file = await pair.sidecar.rpc<string>('snapshot', { file: join(tmpdir(), `sidecar-soak-${process.pid}-${name}.heapsnapshot`) }, 120_000);
      b.log(`   heap snapshot: ${file}`);
    };
    await snapshot('before');
    const pid = pair.sidecar.pid;
    const proxyPort = Number(new URL(pair.proxyUrl).port);
    const upstreamPort = Number(new URL(pair.directUrl).port);
    const kinds = () => socketKinds(pid, proxyPort, upstreamPort);
    const atStart = kinds();
    let done = 0;
    let failed = 0;
    let aborted = 0;
    const answeredIds: string[] = [];
    const abortedIds: string[] = [];
    let firstError: string | null = null;
    const windows: Window[] = [];
    let latencies = new Samples();
    let readings: { rss: number; heap: number; sockets: number; upstream: number; fds: number; queued: number }[] = [];
    const t0 = performance.now();
    let reading = false;
    const read = async () => {
      if (reading) return; // a busy child answers late: skip rather than pile up
      reading = true;
      const { fds } = openFds(pid);
      const k = kinds();
      const rss = rssBytes(pid);
      const mem = await pair.sidecar.rpc<{ heapUsed: number }>('mem', null, 2_000).catch(() => ({ heapUsed: Number.NaN }));
      const audit = await pair.sidecar.rpc<{ queued: number }>('audit', null, 2_000).catch(() => ({ queued: Number.NaN }));
      readings.push({ rss, heap: mem.heapUsed, sockets: k.inbound, upstream: k.outbound, fds, queued: audit.queued });
      reading = false;
    };
    const closeWindow = () => {
      if (readings.length === 0) return;
      const w: Window = {
        t: (performance.now() - t0) / 1000,
        rss: range(readings.map((x) => x.rss)),
        heap: range(readings.map((x) => x.heap)),
        sockets: range(readings.map((x) => x.sockets)),
        upstream: range(readings.map((x) => x.upstream)),
        fds: range(readings.map((x) => x.fds)),
        queuedMax: range(readings.map((x) => x.queued))[1],
        calls: done,
        p99: latencies.percentile(99),
      };
      readings = [];
      latencies = new Samples();
      windows.push(w);
      const mr = (x: readonly [number, number]) => `${mb(x[0]).replace(' MB', '')}–${mb(x[1])}`.padStart(11);
      b.log(
        `   t=${w.t.toFixed(0).padStart(5)} s  rss ${mr(w.rss)}  heap ${mr(w.heap)}  caller sockets ${`${w.sockets[0]}–${w.sockets[1]}`.padStart(7)}  upstream ${`${w.upstream[0]}–${w.upstream[1]}`.padStart(7)}  fds ${`${w.fds[0]}–${w.fds[1]}`.padStart(7)}  audit queue ≤ ${int(w.queuedMax)}  p99 ${ms(w.p99).padStart(9)}  calls ${int(w.calls)} (${failed} failed, ${aborted} aborted)`,
      );
    };
    const ticker = setInterval(() => void read(), 1_000);
    const windower = setInterval(closeWindow, SAMPLE_EVERY_MS);
    const loop = await openLoop(client, make, {
      rate,
      durationMs,
      maxInflight: 2_000,
      onResult: (res, call) => {
        done++;
        if (call.abortAfterMs === undefined && call.req.body === small && res.status === 200) latencies.add(res.ms);
        const id = String(call.req.headers?.['x-request-id']);
        if (call.abortAfterMs !== undefined && res.aborted) {
          aborted++;
          abortedIds.push(id);
          return;
        }
        answeredIds.push(id);
        if (res.status !== 200 || res.error) {
          failed++;
          firstError ??= res.error ?? `HTTP ${res.status}`;
        }
      },
    });
    clearInterval(ticker);
    clearInterval(windower);
    closeWindow();
    client.close();
    await sleep(2_000);
    const idle = kinds();
    const drained = await pair.sidecar.rpc<{ drained: boolean; stats: { dropped: number } }>('drain');
    const recordedIds = await pair.sidecar.rpc<string[]>('clientRequestIds', { prefix: 'soak-run-' });
    const recordedSet = new Set(recordedIds);
    const duplicates = recordedIds.length - recordedSet.size;
    const answeredMissing = answeredIds.filter((id) => !recordedSet.has(id)).length;
    const abortedRecorded = abortedIds.filter((id) => recordedSet.has(id)).length;
    const liveAfter = await pair.sidecar.rpc<{ heapUsed: number; rss: number }>('gc');
    await snapshot('after');

    // Judged on the floors: a leak lifts the floor, a 4 MB call in flight only the peak.
    const warm = Math.min(60, (durationMs / 1000) * 0.25);
    const steady = windows.filter((w) => w.t > warm);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const early = steady.slice(0, third);
    const late = steady.slice(-third);
    const floor = (ws: readonly Window[], k: 'rss' | 'sockets' | 'heap') => meanOf(ws.map((w) => w[k][0]));
    const rssGrowth = floor(late, 'rss') - floor(early, 'rss');
    const rssFlat = rssGrowth <= Math.max(16 * 2 ** 20, 0.05 * floor(early, 'rss'));
    const sockGrowth = floor(late, 'sockets') - floor(early, 'sockets');
    // Callers' sockets must all be gone once the client closed; the upstream pool may keep
    // up to its maxFreeSockets idle until the upstream's keep-alive timeout.
    const sockFlat = sockGrowth <= 8 && idle.inbound <= atStart.inbound;
    const slope = slopePerMinute(steady.map((w) => [w.t, w.rss[0] / 2 ** 20] as const));
    const peak = Math.max(...windows.map((w) => w.rss[1]));
    const label = `7. soak ${b.opts.minutes} min @ ${rate}/s, ${ABORT_SHARE * 100} % aborts, 4 MB every ${BIG_EVERY_S} s`;
    b.report.add({
      figure: `${label}: RSS floor`,
      direct: '—',
      sidecar: `${mb(floor(early, 'rss'))} → ${mb(floor(late, 'rss'))} (first vs last third after ${warm.toFixed(0)} s); peak ${mb(peak)}; heap floor ${mb(floor(early, 'heap'))} → ${mb(floor(late, 'heap'))}`,
      diff: `${rssGrowth >= 0 ? '+' : ''}${mb(rssGrowth)}, slope ${slope.toFixed(1)} MB/min`,
      goal: 'flat',
      met: rssFlat,
    });
    const heapGrowth = liveAfter.heapUsed - liveBefore.heapUsed;
    b.report.add({
      figure: `${label}: live heap after full GC`,
      direct: '—',
      sidecar: `${mb(liveBefore.heapUsed)} → ${mb(liveAfter.heapUsed)} (RSS then ${mb(liveBefore.rss)} → ${mb(liveAfter.rss)})`,
      diff: `${heapGrowth >= 0 ? '+' : ''}${mb(heapGrowth)}`,
      goal: 'flat (≤ +8 MB)',
      met: heapGrowth <= 8 * 2 ** 20,
    });
    b.report.add({
      figure: `${label}: caller sockets`,
      direct: '—',
      sidecar: `floor ${floor(early, 'sockets').toFixed(0)} → ${floor(late, 'sockets').toFixed(0)}; ${idle.inbound} once the client closed (upstream pool ${idle.outbound}, other ${idle.other})`,
      diff: `${sockGrowth >= 0 ? '+' : ''}${sockGrowth.toFixed(0)}`,
      goal: 'flat, back to idle',
      met: sockFlat,
    });
    b.report.add({
      figure: `${label}: calls recorded`,
      direct: '—',
      sidecar: `${int(answeredIds.length - answeredMissing)} of ${int(answeredIds.length)} answered calls; ${int(abortedRecorded)} of ${int(aborted)} aborted calls (${failed} failed, ${loop.skipped} not sent)`,
      diff: `${int(answeredMissing)} missing, ${duplicates} duplicated, ${drained.stats.dropped} dropped`,
      goal: 'every answered call once, no failures',
      met: answeredMissing === 0 && duplicates === 0 && drained.stats.dropped === 0 && failed === 0 && loop.skipped === 0,
    });
    if (firstError) b.report.note(`figure 7: first failure: ${firstError}`);
    // A call cut by its client before its request reached the sidecar (still in a socket
    // buffer, or queued in the client) leaves no trace anywhere: not a lost record.
    if (abortedRecorded < aborted) {
      b.report.note(`figure 7: ${int(aborted - abortedRecorded)} aborted calls were cut by the client before the sidecar read them, so no record exists for them`);
    }
  } finally {
    await pair.stop();
  }
}

/** Least-squares slope of (seconds, MB) points, in MB per minute. */
function slopePerMinute(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}
