// Starts the real sidecar against the stand-in upstream on a real Postgres: the embedded
// PGlite by default, and the server at TEST_DATABASE_URL as well when it is set (each
// test file in its own schema, so files run in parallel on one server).
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config.js';
import { PGLITE_EXTENSIONS } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { startSidecar, type RunningSidecar } from '../../src/sidecar.js';
import { startStandin, type Standin } from '../../src/standin/index.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const AUDITOR_TOKEN = 'test-auditor-token-0123456789abcdef';

export type Backend = 'embedded' | 'server';

/** The backends storage tests run on. With CI set, a missing server is an error, not a skip. */
export function backends(): Backend[] {
  if (process.env.TEST_DATABASE_URL) return ['embedded', 'server'];
  if (process.env.CI) throw new Error('TEST_DATABASE_URL must be set in CI: the storage tests must also run on a real server');
  console.warn('!!! TEST_DATABASE_URL is not set: storage tests run on the embedded database only');
  return ['embedded'];
}

export interface Harness {
  readonly sidecar: RunningSidecar;
  readonly standin: Standin;
  readonly client: OpenAI;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly policyDir: string;
  /** The schema on the server backend (null on the embedded one). */
  readonly schema: string | null;
  readonly config: ReturnType<typeof loadConfig>;
  readonly logs: string[];
  admin(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Waits until every record so far is in the database. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly backend: Backend;
  readonly env?: Record<string, string>;
  /** Policy files to use instead of the bundled policies/ (name -> YAML text). */
  readonly policies?: Record<string, string>;
  readonly standinOptions?: Parameters<typeof startStandin>[0];
  /** The scan workers' script, instead of the real one. */
  readonly scanWorkerUrl?: URL;
}

let schemaSeq = 0;

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const standin = await startStandin(opts.standinOptions);
  const dataDir = mkdtempSync(join(tmpdir(), 'sidecar-test-'));
  const policyDir = join(dataDir, 'policies');
  if (opts.policies) {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(policyDir, { recursive: true });
    for (const [name, text] of Object.entries(opts.policies)) writeFileSync(join(policyDir, name), text);
  } else {
    cpSync(new URL('../../policies', import.meta.url), policyDir, { recursive: true });
  }
  const logs: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const config = loadConfig({
    UPSTREAM_URL: standin.url,
    // For policies that point a moderation rule at the stand-in: endpoint: ${STANDIN_URL}
    STANDIN_URL: standin.url,
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
    DATA_DIR: dataDir,
    POLICY_DIR: policyDir,
    ADMIN_TOKENS: ADMIN_TOKEN,
    AUDITOR_TOKENS: AUDITOR_TOKEN,
    AUDIT_SPOOL_COMMIT_MS: '5',
    UPSTREAM_TIMEOUT_MS: '5000',
    DATABASE_URL: opts.backend === 'server' ? process.env.TEST_DATABASE_URL : undefined,
    ...opts.env,
  });
  const pglite = opts.backend === 'embedded' ? new PGlite({ extensions: PGLITE_EXTENSIONS }) : undefined;
  const schema = opts.backend === 'server' ? `t_${process.pid}_${Date.now().toString(36)}_${schemaSeq++}` : undefined;
  const sidecar = await startSidecar(config, { logger, pglite, schema, watchPolicies: true, scanWorkerUrl: opts.scanWorkerUrl });
  const client = new OpenAI({ baseURL: `${sidecar.proxyUrl}/v1`, apiKey: 'sk-test-key-for-harness-000000000000', maxRetries: 0 });
  return {
    sidecar,
    standin,
    client,
    proxyUrl: sidecar.proxyUrl,
    adminUrl: sidecar.adminUrl,
    policyDir,
    schema: schema ?? null,
    config,
    logs,
    admin(path, init = {}) {
      const { token = ADMIN_TOKEN, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${sidecar.adminUrl}${path}`, { ...rest, headers });
    },
    async flush() {
      // Let 'close' handlers of finished responses run, then drain the writer.
      await new Promise((r) => setTimeout(r, 20));
      await Promise.all(sidecar.ctx.recording ?? []);
      await sidecar.ctx.audit.drain(10_000);
    },
    async close() {
      await sidecar.close();
      await standin.close();
      if (pglite) await pglite.close();
      if (schema) {
        const pg = (await import('pg')).default;
        const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await c.connect();
        await c.query(`drop schema if exists "${schema}" cascade`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
