// Configuration: read the raw environment, then validate and group it (two steps, so
// nothing parses process.env at import time and tests pass their own env).
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const tokenList = z
  .string()
  .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
  .pipe(z.array(z.string().min(16, 'each token needs at least 16 characters')));

const envSchema = z.object({
  UPSTREAM_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://gateway.internal/v1' })
    .optional(),
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  ADMIN_PORT: port.default(8081),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  POLICY_DIR: z.string().min(1).default('./policies'),
  ADMIN_TOKENS: tokenList.optional(),
  AUDITOR_TOKENS: tokenList.optional(),
  MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
  UPSTREAM_TIMEOUT_MS: positiveInt.default(600_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
  /** Longest silence allowed between two chunks of an upstream body; default UPSTREAM_TIMEOUT_MS. */
  UPSTREAM_IDLE_TIMEOUT_MS: positiveInt.optional(),
  /** Upstream statuses retried before any byte went to the client, e.g. `429,502,503` (502 includes connection failures). */
  RETRY_ON: z
    .string()
    .regex(/^\s*\d{3}(\s*,\s*\d{3})*\s*$/, 'must be a comma-separated list of HTTP statuses, e.g. 429,502,503')
    .transform((s) => s.split(',').map((v) => Number(v.trim())))
    .optional(),
  /** Attempts in all (the first call included) when RETRY_ON matches. */
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Longest wait before a retry; a Retry-After beyond it is passed to the client instead. */
  RETRY_MAX_WAIT_MS: positiveInt.default(10_000),
  /** Failed admin logins from one address per minute before it gets 429. */
  ADMIN_AUTH_FAILURES_PER_MINUTE: positiveInt.default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Disk cap of the local audit spool (records waiting for the database). Past it records are dropped, counted and readiness fails. */
  AUDIT_SPOOL_MAX_BYTES: positiveInt.default(1024 * 1024 * 1024),
  /** Group commit: spooled records are written and fsync'd at least this often. */
  AUDIT_SPOOL_COMMIT_MS: positiveInt.default(50),
  AUDIT_SPOOL_SEGMENT_BYTES: positiveInt.default(8 * 1024 * 1024),
  /** Most bytes held in memory while the disk refuses writes. */
  AUDIT_SPOOL_BUFFER_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  /** Rows per insert statement when shipping the spool to Postgres. */
  AUDIT_BATCH_SIZE: z.coerce.number().int().min(1).max(1600).default(500),
  /** Strict mode: a call's last bytes wait until its record is durable; 503 when the spool cannot take records. */
  AUDIT_REQUIRED: z.stringbool().default(false),
  AUDIT_MAX_TEXT_CHARS: positiveInt.default(1_000_000),
  /** Key for the hashes of matched text in findings; generated and kept in DATA_DIR when unset. */
  AUDIT_HASH_KEY: z.string().min(16).optional(),
  /** Shows how long SIGTERM waits for in-flight calls before closing them. */
  SHUTDOWN_GRACE_MS: positiveInt.default(30_000),
  RETENTION_DAYS: positiveInt.optional(),
  /** Worker threads that judge big request bodies; 0 judges everything on the main thread. Default: cores - 1, at least 1. */
  SCAN_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  /** Request bodies of at least this many bytes are parsed and judged in a scan worker. */
  SCAN_WORKER_MIN_BYTES: positiveInt.default(128 * 1024),
  /** Big calls that may wait for a busy worker; the next is judged on the main thread. */
  SCAN_QUEUE_MAX: z.coerce.number().int().min(0).default(64),
  /** Time a worker may spend on one request; past it the call fails closed (503 scan_timeout). */
  SCAN_TIMEOUT_MS: z.coerce.number().int().min(1000, 'must be at least 1000').default(60_000),
  /** Each scan worker runs a big body's rules on two threads. Default: on with 2 or more cores. */
  SCAN_SHARE_RULES: z.stringbool().optional(),
});

export interface Config {
  readonly upstreamUrl: URL | null;
  readonly proxy: { readonly host: string; readonly port: number };
  readonly admin: {
    readonly host: string;
    readonly port: number;
    readonly adminTokens: readonly string[] | null;
    readonly auditorTokens: readonly string[];
    readonly authFailuresPerMinute: number;
  };
  readonly database: { readonly url: string | null; readonly dataDir: string };
  readonly policyDir: string;
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly upstreamTimeoutMs: number;
    readonly upstreamConnectTimeoutMs: number;
    readonly upstreamIdleTimeoutMs: number;
  };
  readonly retry: { readonly on: readonly number[]; readonly maxAttempts: number; readonly maxWaitMs: number };
  readonly audit: {
    readonly spoolMaxBytes: number;
    readonly commitMs: number;
    readonly segmentBytes: number;
    readonly bufferMaxBytes: number;
    readonly batchSize: number;
    readonly required: boolean;
    readonly maxTextChars: number;
    readonly hashKey: string | null;
    readonly retentionDays: number | null;
  };
  readonly scan: {
    readonly workers: number;
    readonly minBytes: number;
    readonly queueMax: number;
    readonly timeoutMs: number;
    /** A scan worker shares a big body's rules with a helper thread. */
    readonly shareRules: boolean;
  };
  readonly logLevel: string;
  readonly shutdownGraceMs: number;
  /** The raw environment, for `${VAR}` in policy files. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as a shell `FOO= cmd` means. */
function readRaw(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim();
  }
  return raw;
}

export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  opts: { requireUpstream?: boolean } = {},
): Config {
  const parsed = envSchema.safeParse(readRaw(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  if (opts.requireUpstream && !e.UPSTREAM_URL) {
    throw new ConfigError('UPSTREAM_URL', 'is required: the gateway root incl. /v1, e.g. https://gateway.internal/v1');
  }
  return Object.freeze({
    upstreamUrl: e.UPSTREAM_URL ? new URL(e.UPSTREAM_URL.replace(/\/+$/, '')) : null,
    proxy: { host: e.HOST, port: e.PORT },
    admin: {
      host: e.ADMIN_HOST,
      port: e.ADMIN_PORT,
      adminTokens: e.ADMIN_TOKENS ?? null,
      auditorTokens: e.AUDITOR_TOKENS ?? [],
      authFailuresPerMinute: e.ADMIN_AUTH_FAILURES_PER_MINUTE,
    },
    database: { url: e.DATABASE_URL ?? null, dataDir: e.DATA_DIR },
    policyDir: e.POLICY_DIR,
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      upstreamConnectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      upstreamIdleTimeoutMs: e.UPSTREAM_IDLE_TIMEOUT_MS ?? e.UPSTREAM_TIMEOUT_MS,
    },
    retry: { on: e.RETRY_ON ?? [], maxAttempts: e.RETRY_MAX_ATTEMPTS, maxWaitMs: e.RETRY_MAX_WAIT_MS },
    audit: {
      spoolMaxBytes: e.AUDIT_SPOOL_MAX_BYTES,
      commitMs: e.AUDIT_SPOOL_COMMIT_MS,
      segmentBytes: e.AUDIT_SPOOL_SEGMENT_BYTES,
      bufferMaxBytes: e.AUDIT_SPOOL_BUFFER_MAX_BYTES,
      batchSize: e.AUDIT_BATCH_SIZE,
      required: e.AUDIT_REQUIRED,
      maxTextChars: e.AUDIT_MAX_TEXT_CHARS,
      hashKey: e.AUDIT_HASH_KEY ?? null,
      retentionDays: e.RETENTION_DAYS ?? null,
    },
    scan: {
      workers: e.SCAN_WORKERS ?? Math.max(1, availableParallelism() - 1),
      minBytes: e.SCAN_WORKER_MIN_BYTES,
      queueMax: e.SCAN_QUEUE_MAX,
      timeoutMs: e.SCAN_TIMEOUT_MS,
      shareRules: e.SCAN_SHARE_RULES ?? availableParallelism() >= 2,
    },
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    env: { ...env },
  });
}
