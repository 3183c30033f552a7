// `npm run bench -- profile`: figures 1, 2 and 4 again, each against a fresh sidecar child
// started with `node --cpu-prof`; the profile is written when the child exits and is
// summarised here. The profiles go to a temporary directory, removed afterwards unless
// --keep-profiles. Their figures are taken under the profiler and are not reported.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseFile } from '../lib/cpuprofile.js';
import type { BenchContext, Figure } from '../lib/context.js';
import { Report } from '../lib/report.js';
import { startPair } from '../lib/setup.js';
import { contention } from './contention.js';
import { latency } from './latency.js';
import { throughput } from './throughput.js';

const PROFILED: readonly (readonly [string, Figure])[] = [
  ['latency', latency],
  ['throughput', throughput],
  // What still runs on the main thread while 4 MB prompts are judged in scan workers.
  ['contention', contention],
];

export async function profile(b: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-cpuprof-'));
  try {
    for (const [name, figure] of PROFILED) {
      b.log(`profile: figure "${name}" with the sidecar child under --cpu-prof (its numbers are not reported)`);
      const pair = await startPair({
        db: b.db,
        work: b.work,
        name: `profile-${name}`,
        sidecarExecArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=sidecar-${name}.cpuprofile`],
      });
      try {
        await figure({ ...b, report: new Report(), pair: async () => pair });
      } finally {
        await pair.stop();
      }
      const file = join(dir, `sidecar-${name}.cpuprofile`);
      if (!readdirSync(dir).includes(`sidecar-${name}.cpuprofile`)) throw new Error(`no profile was written to ${file}`);
      b.report.section(`CPU profile of the sidecar child during figure "${name}"`, summariseFile(file, 25).lines);
    }
  } finally {
    if (b.opts.keepProfiles) b.log(`profiles kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
