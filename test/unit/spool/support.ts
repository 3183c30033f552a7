// Shared by the spool tests: a database on either backend (embedded PGlite, and the server
// at TEST_DATABASE_URL in a schema of its own) that a test can take down and bring back,
// audit records, and throwaway spool directories.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { AuditRecord } from '../../../src/audit/record.js';
import { openDatabase, PGLITE_EXTENSIONS, type Database } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import type { DB } from '../../../src/db/schema.js';
import { uuidv7 } from '../../../src/ids.js';

export type Backend = 'embedded' | 'server';

/** The backends these tests run on. With CI set, a missing server is an error, not a skip. */
export function backends(): Backend[] {
  if (process.env.TEST_DATABASE_URL) return ['embedded', 'server'];
  if (process.env.CI) throw new Error('TEST_DATABASE_URL must be set in CI: the spool tests must also run on a real server');
  console.warn('!!! TEST_DATABASE_URL is not set: spool tests run on the embedded database only');
  return ['embedded'];
}

/** Fails every query while `down`, the way a lost connection does (no SQLSTATE). */
class Outage implements KyselyPlugin {
  down = false;
  attempts = 0;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.down) {
      this.attempts++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

export interface TestDb {
  /** The database the log ships to: fails while down(true). */
  readonly db: Kysely<DB>;
  down(on: boolean): void;
  /** Queries refused while down. */
  readonly attempts: number;
  count(): Promise<number>;
  ids(): Promise<Set<string>>;
  truncate(): Promise<void>;
  close(): Promise<void>;
}

let schemaSeq = 0;

export async function openTestDb(backend: Backend): Promise<TestDb> {
  const pglite = backend === 'embedded' ? new PGlite({ extensions: PGLITE_EXTENSIONS }) : undefined;
  const schema = backend === 'server' ? `spool_t_${process.pid}_${Date.now().toString(36)}_${schemaSeq++}` : undefined;
  const database: Database = await openDatabase({
    url: backend === 'server' ? process.env.TEST_DATABASE_URL! : null,
    dataDir: null,
    pglite,
    schema,
    poolSize: 4,
  });
  await migrateToLatest(database);
  const outage = new Outage();
  const db = database.db.withPlugin(outage);
  return {
    db,
    down(on) {
      outage.down = on;
    },
    get attempts() {
      return outage.attempts;
    },
    async count() {
      const r = await database.db.selectFrom('audit_records').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async ids() {
      const rows = await database.db.selectFrom('audit_records').select('id').execute();
      return new Set(rows.map((r) => r.id));
    },
    async truncate() {
      await sql`truncate audit_records`.execute(database.db);
    },
    async close() {
      if (schema) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
      await pglite?.close();
    },
  };
}

export function makeRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  const now = new Date();
  return {
    id: uuidv7(),
    receivedAt: now,
    completedAt: now,
    durationMs: 12.5,
    ttfbMs: 10,
    method: 'POST',
    path: '/v1/chat/completions',
    route: 'chat.completions',
    model: 'gpt-test',
    returnedModel: 'gpt-test-2025',
    stream: false,
    status: 200,
    upstreamStatus: 200,
    errorCode: null,
    upstreamError: null,
    keyFingerprint: 'abcdef012345',
    clientIp: '127.0.0.1',
    caller: 'billing-api',
    clientRequestId: null,
    upstreamRequestId: `req_${randomUUID()}`,
    params: { temperature: 0.2 },
    prompt: 'Summarise the meeting notes from Tuesday in three bullet points.',
    promptStorage: 'full',
    response: 'Here are the three points: budget approved, launch moved, hiring paused.',
    responseStorage: 'full',
    promptTokens: 14,
    completionTokens: 17,
    totalTokens: 31,
    cachedTokens: 0,
    reasoningTokens: null,
    usageSource: 'upstream',
    decision: 'allow',
    findings: [],
    policyVersion: 'v1',
    filterMs: 0.4,
    retries: 0,
    requestBytes: 312,
    responseBytes: 655,
    clientAborted: false,
    ...overrides,
  };
}

export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function tempDir(prefix = 'spool-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Polls `check` until it holds or `timeoutMs` passes; returns its last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
