// The benchmark's surroundings: which database, a scratch workspace (policies, data,
// logs), and the stand-in + sidecar pair, each in its own child process.
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { keywords, mixedText, wordsOf } from './corpus.js';
import { Client } from './http-load.js';
import { ChildHandle } from './procs.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** Keywords in the bench copy of the bundled banned-terms list. */
export const BENCH_KEYWORDS = 1_000;
/** Size of the big prompt's document. */
export const BIG_PROMPT_BYTES = 4 * 1024 * 1024;

export type DatabaseChoice =
  | { readonly kind: 'server'; readonly url: string; readonly schema: string; readonly version: string }
  | { readonly kind: 'embedded' };

export function describeDatabase(db: DatabaseChoice): string {
  return db.kind === 'server'
    ? `Postgres server ${db.version} at ${db.url.replace(/\/\/[^@]*@/, '//')} (scratch schema ${db.schema}, dropped at the end)`
    : 'embedded PGlite in a scratch DATA_DIR (no Postgres server was reachable)';
}

/** The real server when it answers within 2 s, else the embedded database. */
export async function chooseDatabase(opts: { readonly url: string; readonly embedded: boolean }): Promise<DatabaseChoice> {
  if (opts.embedded) return { kind: 'embedded' };
  const client = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const r = await client.query<{ v: string }>(`select current_setting('server_version') as v`);
    const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
    return { kind: 'server', url: opts.url, schema, version: r.rows[0]?.v ?? '?' };
  } catch {
    return { kind: 'embedded' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates `schema` with Kysely's two bookkeeping tables already in it. Work-around: the
 * Migrator (src/db/migrate.ts passes no migrationTableSchema) looks for those tables in
 * *any* schema of the database, so while another test's schema holds them it skips
 * creating ours and the migration fails with "relation kysely_migration_lock does not
 * exist". With them present here, it finds them on our search_path either way.
 */
export async function prepareSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const q = `"${schema.replace(/"/g, '')}"`;
    await client.query(`create schema if not exists ${q}`);
    await client.query(`create table if not exists ${q}.kysely_migration (name varchar(255) not null primary key, timestamp varchar(255) not null)`);
    await client.query(`create table if not exists ${q}.kysely_migration_lock (id varchar(255) not null primary key, is_locked integer not null default 0)`);
  } finally {
    await client.end();
  }
}

/** Drops every schema this run made (the sidecar's and the ingest writer's). */
export async function dropSchemas(db: DatabaseChoice): Promise<void> {
  if (db.kind !== 'server') return;
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>(`select nspname as n from pg_namespace where nspname like $1`, [`${db.schema}%`]);
    for (const { n } of r.rows) await client.query(`drop schema if exists "${n}" cascade`);
  } finally {
    await client.end();
  }
}

export interface Workspace {
  readonly dir: string;
  /** Copy of the bundled policies/ with the banned-terms list grown to BENCH_KEYWORDS terms. */
  readonly policyDir: string;
  readonly logDir: string;
  /** The 4 MB realistic document (no secrets, no banned terms). */
  readonly bigText: string;
  readonly bigWords: ReadonlySet<string>;
  dataDir(name: string): string;
  remove(): void;
}

export function createWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-bench-'));
  const policyDir = join(dir, 'policies');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  cpSync(new URL('../../../policies', import.meta.url), policyDir, { recursive: true });
  const bigText = mixedText(BIG_PROMPT_BYTES - 1024);
  const bigWords = wordsOf(bigText);
  growBannedList(join(policyDir, 'lists', 'banned.txt'), BENCH_KEYWORDS, bigWords);
  return {
    dir,
    policyDir,
    logDir,
    bigText,
    bigWords,
    dataDir(name) {
      const d = join(dir, 'data', name);
      mkdirSync(d, { recursive: true });
      return d;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Keeps the bundled terms and adds made-up ones up to `total`. */
export function growBannedList(file: string, total: number, avoid: ReadonlySet<string>): void {
  const bundled = readFileSync(file, 'utf8');
  const existing = bundled.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).length;
  const extra = keywords(Math.max(0, total - existing), avoid);
  writeFileSync(file, `${bundled.trimEnd()}\n\n# Added by the benchmark\n${extra.join('\n')}\n`);
}

export interface Pair {
  readonly standin: ChildHandle;
  readonly sidecar: ChildHandle;
  readonly directUrl: string;
  readonly proxyUrl: string;
  /** A client for each target with `connections` keep-alive sockets. */
  clients(connections: number): { readonly direct: Client; readonly sidecar: Client };
  stop(): Promise<void>;
}

export interface PairOptions {
  readonly db: DatabaseChoice;
  readonly work: Workspace;
  readonly name: string;
  /** Node flags for the sidecar child, e.g. --cpu-prof. */
  readonly sidecarExecArgv?: readonly string[];
  readonly logLevel?: string;
}

export async function startPair(opts: PairOptions): Promise<Pair> {
  const { db, work } = opts;
  if (db.kind === 'server') await prepareSchema(db.url, db.schema);
  const standin = await ChildHandle.start({ role: 'standin', settings: {}, logFile: join(work.logDir, `${opts.name}-standin.log`) });
  const env: Record<string, string> = {
    UPSTREAM_URL: String(standin.info.url),
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    DATA_DIR: work.dataDir(opts.name),
    POLICY_DIR: work.policyDir,
    ADMIN_TOKENS: ADMIN_TOKEN,
    LOG_LEVEL: opts.logLevel ?? 'info',
    // SCAN_WORKERS=0 npm run bench ... measures the sidecar with every scan on its main thread.
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('SCAN_') && e[1] !== undefined)),
    ...(db.kind === 'server' ? { DATABASE_URL: db.url } : {}),
  };
  let sidecar: ChildHandle;
  try {
    sidecar = await ChildHandle.start({
      role: 'sidecar',
      settings: { env, schema: db.kind === 'server' ? db.schema : undefined },
      logFile: join(work.logDir, `${opts.name}-sidecar.log`),
      execArgv: opts.sidecarExecArgv,
    });
  } catch (err) {
    await standin.stop();
    throw err;
  }
  if (Number(sidecar.info.policyErrors) > 0) throw new Error(`the sidecar refused a policy file; see ${sidecar.logFile}`);
  const directUrl = String(standin.info.url);
  const proxyUrl = `${String(sidecar.info.proxyUrl)}/v1`;
  const made: Client[] = [];
  return {
    standin,
    sidecar,
    directUrl,
    proxyUrl,
    clients(connections) {
      const direct = new Client('direct', directUrl, connections);
      const through = new Client('sidecar', proxyUrl, connections);
      made.push(direct, through);
      return { direct, sidecar: through };
    },
    async stop() {
      for (const c of made) c.close();
      await sidecar.stop();
      await standin.stop();
    },
  };
}
