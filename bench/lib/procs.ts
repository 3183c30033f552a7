// Child processes of the benchmark (stand-in, sidecar, audit writer) and what /proc says
// about them. Each child answers requests over the IPC channel (see ../child.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

export type Role = 'standin' | 'sidecar' | 'ingest';

export interface ChildOptions {
  readonly role: Role;
  /** Passed to the child as JSON. */
  readonly settings: unknown;
  /** Child stdout and stderr go here. */
  readonly logFile: string;
  readonly execArgv?: readonly string[];
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

export class ChildHandle {
  readonly #proc: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #exited: Promise<number | null>;

  private constructor(
    proc: ChildProcess,
    readonly role: Role,
    readonly info: Readonly<Record<string, unknown>>,
    readonly logFile: string,
  ) {
    this.#proc = proc;
    this.#exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.on('message', (m: Reply) => {
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${role} child: ${m.error}`));
    });
    proc.once('exit', (code, signal) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`${role} child exited (${code ?? signal}); see ${logFile}`));
      this.#waiting.clear();
    });
  }

  static start(opts: ChildOptions, timeoutMs = 120_000): Promise<ChildHandle> {
    const log = openSync(opts.logFile, 'a');
    const proc = fork(new URL('../child.js', import.meta.url), [opts.role, JSON.stringify(opts.settings)], {
      stdio: ['ignore', log, log, 'ipc'],
      execArgv: [...(opts.execArgv ?? [])],
    });
    closeSync(log);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${opts.role} child did not start within ${timeoutMs} ms; see ${opts.logFile}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${opts.role} child exited during start (${code}); see ${opts.logFile}`));
      };
      proc.once('exit', onExit);
      proc.once('message', (m: { ready?: Record<string, unknown>; error?: string }) => {
        clearTimeout(timer);
        proc.off('exit', onExit);
        if (m.ready) resolve(new ChildHandle(proc, opts.role, m.ready, opts.logFile));
        else {
          proc.kill('SIGKILL');
          reject(new Error(`${opts.role} child failed to start: ${m.error}; see ${opts.logFile}`));
        }
      });
    });
  }

  get pid(): number {
    return this.#proc.pid!;
  }

  rpc<T = unknown>(cmd: string, args: unknown = null, timeoutMs = 120_000): Promise<T> {
    const id = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${this.role} child: ${cmd} timed out`));
      }, timeoutMs);
      this.#waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#proc.send({ id, cmd, args });
    });
  }

  /** Asks the child to shut down cleanly (a CPU profile is written on a clean exit). */
  async stop(timeoutMs = 60_000): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    this.#proc.send({ id: 0, cmd: 'exit', args: null });
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Last resort on the way out: only this child, by its own pid. */
  kill(): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }
}

/** Resident set size of a process in bytes (VmRSS), NaN when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Open file descriptors of a process, and how many of them are sockets. */
export function openFds(pid: number): { fds: number; sockets: number } {
  let fds = 0;
  let sockets = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      fds++;
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
      } catch {
        // closed between the listing and the readlink
      }
    }
  } catch {
    return { fds: Number.NaN, sockets: Number.NaN };
  }
  return { fds, sockets };
}

/** CPU time (user + system) a process has used so far, in ms; with `tid`, one of its threads (its main thread: tid = pid). */
export function cpuMs(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

export interface SocketKinds {
  /** Connections accepted on `localPort` (the callers' side of a proxy). */
  readonly inbound: number;
  /** Connections to `remotePort` (e.g. the upstream). */
  readonly outbound: number;
  /** Everything else: listeners, the database pool, IPC. */
  readonly other: number;
}

/** Sorts a process's sockets by their TCP ports, from /proc/<pid>/net/tcp{,6}. */
export function socketKinds(pid: number, localPort: number, remotePort: number): SocketKinds {
  const byInode = new Map<string, { local: number; remote: number; state: string }>();
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (addr: string) => parseInt(addr.slice(addr.lastIndexOf(':') + 1), 16);
      byInode.set(f[9]!, { local: port(f[1]!), remote: port(f[2]!), state: f[3]! });
    }
  }
  let inbound = 0;
  let outbound = 0;
  let other = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m) continue;
      const s = byInode.get(m[1]!);
      if (s && s.state !== '0A' && s.local === localPort) inbound++; // 0A: LISTEN
      else if (s && s.remote === remotePort) outbound++;
      else other++;
    }
  } catch {
    return { inbound: Number.NaN, outbound: Number.NaN, other: Number.NaN };
  }
  return { inbound, outbound, other };
}
