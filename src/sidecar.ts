// Composition: config -> logger -> database -> migrations -> policies -> audit writer ->
// apps -> listeners. main.ts, the demo, tests and benchmarks all start the sidecar here.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { buildApp } from './app.js';
import { followPolicies } from './policy-sync.js';
import { uuidv7 } from './ids.js';
import { trackConnections } from './http/connections.js';
import { SpooledAuditLog, spoolEventLogger } from './audit/spool/index.js';
import type { Config } from './config.js';
import type { AppContext, PolicySource, Upstream } from './context.js';
import { openDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { ensurePartitions } from './db/partitions.js';
import { createLogger, type Logger } from './logger.js';
import { loadTokenizer } from './openai/usage.js';
import { createMetrics } from './metrics.js';
import { PolicyRegistry, unifiedDiff, watchPolicies, type PolicyWatcher } from './policy/index.js';
import { recordPolicyVersion } from './audit/policy-versions.js';
import { scheduleRetention, type RetentionSchedule } from './audit/retention.js';
import { matchHasher } from './scan/match-hash.js';
import { ScanPool } from './scan/scan-pool.js';

export interface SidecarOverrides {
  readonly logger?: Logger;
  /** An open PGlite to use as the embedded database (tests share one per file). */
  readonly pglite?: PGlite;
  /** Work in this schema of the database (tests on a shared server). */
  readonly schema?: string;
  /** Watch POLICY_DIR for changes (default true). */
  readonly watchPolicies?: boolean;
  /** The scan workers' script (tests that make a worker crash or stall). */
  readonly scanWorkerUrl?: URL;
}

export interface RunningSidecar {
  readonly ctx: AppContext;
  readonly registry: PolicyRegistry;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  /** The admin token generated at start when ADMIN_TOKENS was not set. */
  readonly generatedAdminToken: string | null;
  /** Audit retention (RETENTION_DAYS), null when records are kept forever. */
  readonly retention: RetentionSchedule | null;
  /** Stops accepting, lets in-flight calls finish (up to the grace period), flushes records. */
  close(): Promise<void>;
}

export function policySource(registry: PolicyRegistry): PolicySource {
  return {
    forCall(call) {
      const snap = registry.snapshot();
      const sel = snap.select(call);
      return { version: snap.version, rules: sel.rules, storage: sel.storage };
    },
    unavailable: () => registry.unavailable,
    status() {
      return { loaded: registry.loaded, version: registry.snapshot().version, errors: registry.errors.length, unavailable: registry.unavailable };
    },
  };
}

function makeUpstream(config: Config): Upstream | null {
  if (!config.upstreamUrl) return null;
  const opts = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: Infinity, maxFreeSockets: 256, scheduling: 'lifo' as const };
  const agent = config.upstreamUrl.protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
  return { url: config.upstreamUrl, agent };
}

/** The key for hashes of matched text: from config, or made once and kept in DATA_DIR. */
function hashKey(config: Config): string {
  if (config.audit.hashKey) return config.audit.hashKey;
  const file = join(config.database.dataDir, 'hash-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.database.dataDir, { recursive: true });
    const key = randomBytes(32).toString('base64url');
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address === '0.0.0.0' ? '127.0.0.1' : a.address}:${a.port}`);
    });
  });
}

export async function startSidecar(config: Config, overrides: SidecarOverrides = {}): Promise<RunningSidecar> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const database: Database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    schema: overrides.schema,
    pglite: overrides.pglite,
    onError: (err) => logger.warn({ err: err.message }, 'database connection error'),
  });
  try {
    await migrateToLatest(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const partitionTimer = setInterval(() => {
    ensurePartitions(database.db).catch((err: Error) => logger.warn({ err: err.message }, 'could not create audit partitions'));
  }, 3_600_000);
  partitionTimer.unref();

  // RETENTION_DAYS: old audit records go now (in the background) and then every hour.
  const retentionDays = config.audit.retentionDays;
  const retention =
    retentionDays === null
      ? null
      : scheduleRetention(database.db, {
          days: retentionDays,
          onRun: (r) => {
            if (r.droppedPartitions.length > 0 || r.deletedRows > 0) {
              logger.info({ cutoff: r.cutoff, partitions: r.droppedPartitions, rows: r.deletedRows }, 'audit retention removed old records');
            }
          },
          onError: (err) => logger.warn({ err: err.message }, 'audit retention failed; will retry'),
        });

  const registry = new PolicyRegistry({ dir: config.policyDir, env: config.env });
  let auditStats = () => ({ queued: 0 });
  let spoolBacklog = () => 0;
  const metrics = createMetrics({
    auditQueue: () => auditStats().queued,
    spoolBacklog: () => spoolBacklog(),
    policyErrors: () => registry.errors.length,
    policyUnavailable: () => registry.unavailable.length,
    scan: () => scanPool?.stats() ?? null,
  });
  registry.subscribe((e) => {
    switch (e.type) {
      case 'rejected':
        metrics.policyReloadFailures.inc();
        return logger.error(
          { file: e.file, source: e.source, problems: e.error.issues, kept: e.kept },
          e.kept !== null
            ? 'policy refused; the previous version stays active'
            : registry.unavailable.includes(e.file)
              ? 'policy refused at start; proxy calls are refused until it loads'
              : 'policy refused; no version of it was active',
        );
      case 'applied':
        logger.info({ file: e.file, source: e.source, policy: e.policy.name }, 'policy applied');
        // API updates store their version with the author in the PUT handler.
        if (e.source === 'file') {
          recordPolicyVersion(database.db, {
            name: e.policy.name,
            contentHash: e.policy.contentHash,
            text: e.policy.text,
            author: 'file',
            source: 'file',
            diff: (a, b) => unifiedDiff(a, b, { fromFile: `${e.file} (before)`, toFile: `${e.file} (after)` }),
          }).catch((err: Error) => logger.warn({ err: err.message, policy: e.policy.name }, 'could not store the policy version'));
        }
        return;
      case 'removed':
        return logger.info({ file: e.file, policy: e.name }, 'policy removed');
      case 'swapped':
        return logger.info({ version: e.version, previous: e.previous, policies: e.policies }, 'policy set active');
    }
  });
  await registry.loadDir();
  const watcher: PolicyWatcher | null =
    overrides.watchPolicies === false
      ? null
      : watchPolicies(registry, { onError: (err) => logger.warn({ err: String(err) }, 'policy watcher error') });

  const spoolLog = spoolEventLogger(logger);
  let audit: SpooledAuditLog;
  try {
    audit = await SpooledAuditLog.open({
      db: database.db,
      dir: join(config.database.dataDir, 'spool'),
      maxTextChars: config.audit.maxTextChars,
      textAsBytes: database.kind === 'server',
      limits: {
        commitMs: config.audit.commitMs,
        maxBytes: config.audit.spoolMaxBytes,
        segmentMaxBytes: Math.min(config.audit.segmentBytes, config.audit.spoolMaxBytes),
        maxBufferBytes: config.audit.bufferMaxBytes,
        batchRows: config.audit.batchSize,
      },
      onEvent: (e) => {
        spoolLog(e);
        if (e.type === 'ship_failed') metrics.auditWriteErrors.inc();
        if (e.type === 'dropped') metrics.auditDropped.inc(e.count);
      },
    });
  } catch (err) {
    await watcher?.close();
    await database.close();
    throw err;
  }
  auditStats = () => audit.stats();
  spoolBacklog = () => audit.stats().backlogRecords;

  const key = hashKey(config);
  const replica = { id: uuidv7(), scope: overrides.schema ?? 'public' };
  const follower = config.database.url
    ? followPolicies({ url: config.database.url, db: database.db, registry, origin: replica.id, scope: replica.scope, logger })
    : null;
  // Big request bodies are judged in worker threads, with the same policy versions.
  const scanPool = ScanPool.create({
    size: config.scan.workers,
    queueMax: config.scan.queueMax,
    timeoutMs: config.scan.timeoutMs,
    registry,
    init: { policyDir: registry.dir, env: config.env, hashKey: key, maxTextChars: config.audit.maxTextChars, shareRules: config.scan.shareRules },
    logger,
    workerUrl: overrides.scanWorkerUrl,
  });
  const generatedAdminToken = config.admin.adminTokens ? null : randomBytes(24).toString('base64url');
  const ctx: AppContext = {
    config,
    logger,
    database,
    audit,
    policies: policySource(registry),
    registry,
    metrics,
    replica,
    upstream: makeUpstream(config),
    hashMatch: matchHasher(key),
    scanPool,
    tokens: { admin: config.admin.adminTokens ?? [generatedAdminToken!], auditor: config.admin.auditorTokens },
    recording: new Set(),
  };
  const apps = buildApp(ctx);
  const proxyServer = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, apps.proxy);
  const adminServer = http.createServer(apps.admin);
  const proxyConnections = trackConnections(proxyServer);
  const proxyUrl = await listen(proxyServer, config.proxy.port, config.proxy.host);
  const adminUrl = await listen(adminServer, config.admin.port, config.admin.host);
  void loadTokenizer().catch(() => undefined); // warm: the first estimate must not stall a call

  let closing: Promise<void> | null = null;
  return {
    ctx,
    registry,
    proxyUrl,
    adminUrl,
    generatedAdminToken,
    retention,
    close() {
      closing ??= (async () => {
        clearInterval(partitionTimer);
        await watcher?.close();
        await follower?.close();
        const grace = setTimeout(() => proxyConnections.destroyAll(), config.shutdownGraceMs);
        grace.unref();
        const proxyClosed = new Promise<void>((r) => proxyServer.close(() => r()));
        proxyConnections.drain();
        adminServer.closeAllConnections();
        await Promise.all([proxyClosed, new Promise<void>((r) => adminServer.close(() => r()))]);
        clearTimeout(grace);
        await scanPool?.close();
        // Records of the last calls are written by their 'close' handlers: let them land,
        // with those still being built (a token estimate, a worker's stored prompt).
        await new Promise((r) => setImmediate(r));
        await Promise.race([Promise.all(ctx.recording!), new Promise((r) => setTimeout(r, 10_000).unref())]);
        await audit.close(10_000);
        await retention?.stop();
        ctx.upstream?.agent.destroy();
        await database.close();
      })();
      return closing;
    },
  };
}
