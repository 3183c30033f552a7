// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self
// time, the modules they live in, and the inclusive time of the project's own functions.
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a frame's code lives: `src/http/proxy/handler`, `express`, `node:_http_server`, ... */
export function moduleOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName) && frame.url === '') return frame.functionName;
  const url = frame.url;
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return url;
  const dist = /\/dist\/((?:src|bench|migrations)\/.*)\.js$/.exec(url);
  if (dist) return dist[1]!;
  return url.replace(/^file:\/\//, '');
}

function keyOf(frame: CallFrame): string {
  const mod = moduleOf(frame);
  if (SPECIAL.has(mod) || mod === '(native)') return frame.functionName ? `${frame.functionName} ${mod === '(native)' ? '(native)' : ''}`.trim() : mod;
  return `${frame.functionName || '(anonymous)'}  ${mod}:${frame.lineNumber + 1}`;
}

export interface Summary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly lines: string[];
}

export function summariseFile(path: string, top = 20): Summary {
  return summarise(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, top);
}

export function summarise(profile: CpuProfile, top = 20): Summary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, number>();
  /** Self time of each function split by the function that called it. */
  const callers = new Map<string, Map<string, number>>();
  let idle = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const us = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const key = keyOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    // The nearest caller outside Node's own code: the library or project function that
    // asked for the work (for `writev`, say, whether it was pino or the HTTP response).
    let up = parent.get(node.id);
    while (up !== undefined) {
      const m = moduleOf(byId.get(up)!.callFrame);
      if (!m.startsWith('node:') && m !== '(native)') break;
      up = parent.get(up);
    }
    if (up !== undefined) {
      const by = callers.get(key) ?? new Map<string, number>();
      const ck = keyOf(byId.get(up)!.callFrame);
      by.set(ck, (by.get(ck) ?? 0) + us);
      callers.set(key, by);
    }
    const mod = moduleOf(node.callFrame);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    // Inclusive time of the project's own functions, each counted once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!moduleOf(frame).startsWith('src/')) continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const fmt = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${fmt(us)}  ${k}`);
  const topSelf = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
  const callerLines = topSelf.flatMap(([k]) => [`  ${k}, on behalf of:`, ...list(callers.get(k) ?? new Map<string, number>(), 3).map((l) => `  ${l}`)]);
  const lines = [
    `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (percentages are of busy time)`,
    `top ${top} functions by self time:`,
    ...list(self, top),
    'the top 5, by the nearest caller outside node: internals:',
    ...callerLines,
    'self time by module:',
    ...list(modules, 15),
    "the project's own functions by inclusive time:",
    ...list(inclusive, 15),
  ];
  return { busyMs: busy / 1000, idleMs: idle / 1000, lines };
}
