// Figure 6: audit ingest in isolation. A child process runs the writer src/sidecar.ts
// composes (today the SpooledAuditLog: group-committed local spool, shipped to Postgres),
// set up from the default config, against the same database; it is handed N records shaped
// like a 2 KB chat call's as fast as it takes them, and timed until every one is in the
// table.
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { BenchContext } from '../lib/context.js';
import { ChildHandle } from '../lib/procs.js';
import { prepareSchema } from '../lib/setup.js';
import { int, ms } from '../lib/stats.js';

const RECORDS = 100_000;
const GOAL = 10_000;

interface IngestResult {
  readonly records: number;
  readonly landed: number;
  readonly drained: boolean;
  readonly spooledOk: boolean;
  /** Until the last record was durable in the spool. */
  readonly spooledMs: number;
  /** Until the last record was in Postgres. */
  readonly elapsedMs: number;
  readonly errors: number;
  readonly dropped: number;
}

async function runWriter(b: BenchContext, name: string, setup: string | null): Promise<IngestResult> {
  const defaults = loadConfig({}).audit;
  const schema = b.db.kind === 'server' ? `${b.db.schema}_${name}` : undefined;
  if (b.db.kind === 'server') await prepareSchema(b.db.url, schema!);
  const child = await ChildHandle.start({
    role: 'ingest',
    settings: { url: b.db.kind === 'server' ? b.db.url : null, dataDir: b.work.dataDir(name), schema },
    logFile: join(b.work.logDir, `${name}.log`),
  });
  try {
    if (setup) await child.rpc('exec', setup);
    return await child.rpc<IngestResult>(
      'ingest',
      { records: RECORDS, promptChars: 2048, audit: defaults },
      600_000,
    );
  } finally {
    await child.stop();
  }
}

export async function ingest(b: BenchContext): Promise<void> {
  const defaults = loadConfig({}).audit;
  b.log(`6. audit ingest: ${int(RECORDS)} records through the spooled audit log (group commit every ${defaults.commitMs} ms, ${defaults.batchSize} rows per insert)`);
  const rate = (r: IngestResult) => (r.landed / r.elapsedMs) * 1000;
  const r = await runWriter(b, 'ingest', null);
  b.report.add({
    figure: `6. audit ingest into Postgres, spool + shipper alone, 2 KB prompts (${int(RECORDS)} records)`,
    direct: '—',
    sidecar: `${int(rate(r))} records/s (${ms(r.elapsedMs)}; all durable in the spool after ${ms(r.spooledMs)})`,
    diff: `${int(r.landed)} landed, ${r.dropped} dropped, ${r.errors} errors`,
    goal: `≥ ${int(GOAL)} records/s`,
    met: rate(r) >= GOAL && r.landed === RECORDS && r.drained && r.spooledOk,
  });
  // Diagnostic: the same without the trigram indexes of the audit text search, to show how
  // much of the cost is theirs.
  const plain = await runWriter(b, 'ingest_no_trgm', 'drop index if exists audit_records_prompt_trgm_idx; drop index if exists audit_records_response_trgm_idx');
  b.report.add({
    figure: '6. (diagnostic) the same without the two trigram GIN indexes',
    direct: '—',
    sidecar: `${int(rate(plain))} records/s (${ms(plain.elapsedMs)})`,
    diff: `×${(rate(plain) / rate(r)).toFixed(1)} the indexed rate`,
    goal: '—',
    met: null,
  });
}
