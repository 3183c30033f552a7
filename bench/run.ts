// `npm run bench [-- <figure>...] [--options]`: the performance suite. The stand-in
// upstream and the sidecar each run in their own child process (the load generator is this
// process), with the bundled policy and audit logging to Postgres on; every figure is
// measured side by side with the same calls sent straight to the stand-in.
import { parseArgs } from 'node:util';
import type { BenchContext, BenchOptions, Figure } from './lib/context.js';
import { LoadMeter } from './lib/load.js';
import { machineDescription, Report } from './lib/report.js';
import {
  BENCH_KEYWORDS,
  BIG_PROMPT_BYTES,
  DEFAULT_DATABASE_URL,
  chooseDatabase,
  createWorkspace,
  describeDatabase,
  dropSchemas,
  startPair,
  type Pair,
} from './lib/setup.js';
import { contention } from './figures/contention.js';
import { ingest } from './figures/ingest.js';
import { latency } from './figures/latency.js';
import { profile } from './figures/profile.js';
import { scanEndToEnd, scanEngine } from './figures/scan.js';
import { soak } from './figures/soak.js';
import { streamingMemory, streamingTtfb } from './figures/streaming.js';
import { throughput } from './figures/throughput.js';

const FIGURES: Readonly<Record<string, readonly Figure[]>> = {
  latency: [latency],
  throughput: [throughput],
  scan: [scanEngine, scanEndToEnd],
  engine: [scanEngine],
  'scan-e2e': [scanEndToEnd],
  contention: [contention],
  streaming: [streamingTtfb, streamingMemory],
  ingest: [ingest],
  soak: [soak],
  profile: [profile],
};
const ALIASES: Readonly<Record<string, string>> = { '1': 'latency', '2': 'throughput', '3': 'scan', '4': 'contention', '5': 'streaming', '6': 'ingest', '7': 'soak' };
const DEFAULT_RUN = ['latency', 'throughput', 'scan', 'contention', 'streaming', 'ingest'];

const USAGE = `usage: npm run bench -- [figure...] [options]
figures: ${Object.keys(FIGURES).join(', ')} (or 1-7); default: ${DEFAULT_RUN.join(', ')}
  soak and profile run only when named.
options:
  --duration <s>        seconds per throughput run (default 10)
  --samples <n>         sequential calls per target for latency and TTFB (default 2000)
  --minutes <m>         soak length (default 30)
  --rate <n>            soak calls per second (default 300)
  --database-url <url>  Postgres server to use (default ${DEFAULT_DATABASE_URL}; embedded if unreachable)
  --embedded            use the embedded database even if a server is reachable
  --keep-profiles       keep the .cpuprofile files of \`profile\` (in the temp dir)
`;

function parse(): { names: string[]; opts: BenchOptions } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '10' },
      samples: { type: 'string', default: '2000' },
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '300' },
      'database-url': { type: 'string', default: DEFAULT_DATABASE_URL },
      embedded: { type: 'boolean', default: false },
      'keep-profiles': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const num = (name: string, raw: string, max: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || n > max) {
      process.stderr.write(`--${name}: expected a number from 0 to ${max}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const names = (positionals.length ? positionals : DEFAULT_RUN).map((n) => ALIASES[n] ?? n);
  for (const n of names) {
    if (!FIGURES[n]) {
      process.stderr.write(`unknown figure "${n}"\n${USAGE}`);
      process.exit(2);
    }
  }
  return {
    names,
    opts: {
      durationS: num('duration', values.duration, 600),
      samples: Math.round(num('samples', values.samples, 100_000)),
      minutes: num('minutes', values.minutes, 24 * 60),
      soakRate: num('rate', values.rate, 10_000),
      databaseUrl: values['database-url'],
      embedded: values.embedded,
      keepProfiles: values['keep-profiles'],
    },
  };
}

async function main(): Promise<number> {
  const { names, opts } = parse();
  const log = (text: string) => process.stdout.write(`${text}\n`);
  const machine = machineDescription();
  log(`Compliance Sidecar benchmarks: ${names.join(', ')}`);
  for (const line of machine) log(`  ${line}`);
  const db = await chooseDatabase({ url: opts.databaseUrl, embedded: opts.embedded });
  log(`  database: ${describeDatabase(db)}`);
  const work = createWorkspace();
  log(`  policy: the bundled policies/ (default.yaml) with lists/banned.txt grown to ${BENCH_KEYWORDS.toLocaleString('en-US')} terms; big prompt ${(BIG_PROMPT_BYTES / 2 ** 20).toFixed(0)} MB`);
  log(`  workspace: ${work.dir}\n`);

  const report = new Report();
  let shared: Promise<Pair> | null = null;
  const b: BenchContext = {
    opts,
    db,
    work,
    report,
    log,
    pair: () => (shared ??= startPair({ db, work, name: 'main' })),
  };
  let failures = 0;
  const cleanup = async () => {
    if (shared) await (await shared.catch(() => null))?.stop();
    shared = null;
    await dropSchemas(db).catch((err: Error) => log(`could not drop the scratch schema: ${err.message}`));
  };
  process.once('SIGINT', () => {
    log('\ninterrupted: stopping the children and dropping the scratch schema');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    for (const name of names) {
      for (const figure of FIGURES[name]!) {
        const meter = new LoadMeter();
        meter.start();
        try {
          await figure(b);
          const load = meter.stop();
          if (load) report.note(`${figure.name}: ${load}`);
        } catch (err) {
          failures++;
          const message = err instanceof Error ? err.message : String(err);
          report.add({ figure: `${name} (${figure.name})`, direct: 'error', sidecar: message.split('\n')[0]!.slice(0, 160), diff: '—', goal: '—', met: false });
        }
      }
    }
  } finally {
    await cleanup();
    if (failures === 0) work.remove();
    else log(`\nkept the workspace with the children's logs: ${work.dir}`);
  }

  log('\n## Results\n');
  for (const line of machine) log(`- ${line}`);
  log(`- database: ${describeDatabase(db)}`);
  log(`- figures: ${names.join(', ')}\n`);
  log(report.markdown());
  if (report.notes.length) log(`\n${report.notes.map((n) => `- ${n}`).join('\n')}`);
  for (const s of report.sections) log(`\n### ${s.title}\n\n\`\`\`\n${s.lines.join('\n')}\n\`\`\``);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
