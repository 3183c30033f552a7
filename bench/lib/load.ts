// How busy the machine was while a figure ran, and with what: this process and its
// children, Postgres, and everything else (other people's work on a shared machine skews
// every figure, so each figure says how much of it there was).
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

interface Snapshot {
  readonly at: number;
  /** Busy jiffies of the whole machine (all CPUs). */
  readonly busy: number;
  readonly perPid: ReadonlyMap<number, { readonly comm: string; readonly ppid: number; readonly ticks: number }>;
}

function snapshot(): Snapshot {
  const at = performance.now();
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  const busy = cpu.slice(0, 8).reduce((s, v, i) => (i === 3 || i === 4 ? s : s + v), 0);
  const perPid = new Map<number, { comm: string; ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // utime + stime; for this process also its reaped children's (cutime + cstime), so
      // a child started and stopped within the figure (the ingest writer, a fresh sidecar)
      // stays counted. Not for others: a long-lived process reaped mid-figure would add
      // its whole life at once.
      const reaped = Number(name) === process.pid ? Number(f[13]) + Number(f[14]) : 0;
      perPid.set(Number(name), { comm, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + reaped });
    } catch {
      // gone
    }
  }
  return { at, busy, perPid };
}

export class LoadMeter {
  #start: Snapshot | null = null;

  start(): void {
    try {
      this.#start = snapshot();
    } catch {
      this.#start = null; // not Linux
    }
  }

  /**
   * "machine 1.62 of 2 cores busy: bench 1.20, postgres 0.18, other processes 0.24".
   * Postgres counts its backends alive at the end (ours and anyone else's); the CPU of
   * backends that exited during the figure shows under other processes.
   */
  stop(): string | null {
    const a = this.#start;
    if (!a) return null;
    const b = snapshot();
    const seconds = (b.at - a.at) / 1000;
    if (seconds <= 0) return null;
    const ours = new Set<number>([process.pid]);
    // Our descendants: children of pids already known to be ours (a few passes suffice).
    for (let pass = 0; pass < 4; pass++) for (const [pid, p] of b.perPid) if (ours.has(p.ppid)) ours.add(pid);
    let bench = 0;
    let postgres = 0;
    for (const [pid, p] of b.perPid) {
      const before = a.perPid.get(pid)?.ticks ?? 0;
      const d = Math.max(0, p.ticks - before);
      if (ours.has(pid)) bench += d;
      else if (p.comm === 'postgres') postgres += d;
    }
    const total = b.busy - a.busy;
    bench = Math.min(bench, total);
    postgres = Math.min(postgres, total - bench);
    const other = Math.max(0, total - bench - postgres);
    const cores = (ticks: number) => (ticks / 100 / seconds).toFixed(2);
    return `machine ${cores(total)} of ${availableParallelism()} cores busy: bench ${cores(bench)}, postgres ${cores(postgres)}, other processes ${cores(other)}`;
  }
}
