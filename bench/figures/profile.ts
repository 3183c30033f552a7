// `npm run bench -- profile`: figures 1, 2, 3 end to end and 4 again, each against a fresh sidecar child
// started with `node --cpu-prof`; the profile is written when the child exits and is
// summarised here. The profiles go to a temporary directory, removed afterwards unless
// --keep-profiles. Their figures are taken under the profiler and are not reported.
// PROFILE_ONLY=<name> (latency, throughput, contention, scan-e2e) profiles that figure only.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseFile } from '../lib/cpuprofile.js';
import type { BenchContext, Figure } from '../lib/context.js';
import { Report } from '../lib/report.js';
import { startPair } from '../lib/setup.js';
import { contention } from './contention.js';
import { scanEndToEnd } from './scan.js';
import { latency } from './latency.js';
import { throughput } from './throughput.js';

const PROFILED: readonly (readonly [string, Figure])[] = [
  ['latency', latency],
  ['throughput', throughput],
  // What still runs on the main thread while 4 MB prompts are judged in scan workers.
  ['contention', contention],
  // Where a 4 MB prompt's added time goes besides the rules: body, JSON, redaction, audit.
  ['scan-e2e', scanEndToEnd],
];

export async function profile(b: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-cpuprof-'));
  try {
    for (const [name, figure] of PROFILED.filter(([n]) => !process.env.PROFILE_ONLY || n === process.env.PROFILE_ONLY)) {
      b.log(`profile: figure "${name}" with the sidecar child under --cpu-prof (its numbers are not reported)`);
      // Every thread of the child writes its own profile, named CPU.<date>.<time>.<pid>.<thread id>.<n>:
      // the main thread's (thread id 0) is summarised; the others' busy time is noted.
      const figureDir = join(dir, name);
      mkdirSync(figureDir);
      const pair = await startPair({
        db: b.db,
        work: b.work,
        name: `profile-${name}`,
        sidecarExecArgv: ['--cpu-prof', `--cpu-prof-dir=${figureDir}`],
      });
      try {
        await figure({ ...b, report: new Report(), pair: async () => pair });
      } finally {
        await pair.stop();
      }
      const files = readdirSync(figureDir).filter((f) => f.endsWith('.cpuprofile'));
      const main = files.find((f) => f.split('.')[4] === '0');
      if (!main) throw new Error(`no main-thread profile was written to ${figureDir} (${files.join(', ') || 'none'})`);
      b.report.section(`CPU profile of the sidecar child's main thread during figure "${name}"`, summariseFile(join(figureDir, main), 25).lines);
      for (const file of files) {
        if (file === main) continue;
        const { lines } = summariseFile(join(figureDir, file), 3);
        b.report.note(`profile "${name}", worker thread ${file.split('.')[4]}: ${lines[0]}; top: ${lines.slice(2, 5).map((l) => l.trim()).join(' | ')}`);
      }
    }
  } finally {
    if (b.opts.keepProfiles) b.log(`profiles kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
