// The AppContext: built once in main.ts (or by a test) and passed down. Everything the
// HTTP layer needs, injected, so tests can swap any part.
import type { Agent } from 'node:http';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { SpooledAuditLog } from './audit/spool/index.js';
import type { CompiledRule } from './filters/types.js';
import type { StorageMode } from './audit/record.js';
import type { Logger } from './logger.js';
import type { PolicyRegistry } from './policy/index.js';
import type { Metrics } from './metrics.js';
import type { ScanPool } from './scan/scan-pool.js';

/** The policies that govern one call, resolved from the active set. */
export interface CallPolicy {
  readonly version: string | null;
  readonly rules: readonly CompiledRule[];
  readonly storage: { readonly prompt: StorageMode; readonly response: StorageMode };
}

export interface CallIdentity {
  readonly model: string | null;
  readonly caller: string | null;
  readonly keyFingerprint: string | null;
}

export interface PolicySource {
  forCall(call: CallIdentity): CallPolicy;
  /** Policy files refused at start whose policy was never active: calls are refused meanwhile. */
  unavailable(): readonly string[];
  /**
   * For readiness: whether a policy set is loaded, the errors of refused files, and the
   * files refused at start whose policy was never active (calls are refused meanwhile).
   */
  status(): { readonly loaded: boolean; readonly version: string | null; readonly errors: number; readonly unavailable: readonly string[] };
}

export interface Upstream {
  readonly url: URL;
  readonly agent: Agent;
}

export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly audit: SpooledAuditLog;
  readonly policies: PolicySource;
  /** The policy set itself, for the admin API (list, update, dry-run). */
  readonly registry: PolicyRegistry;
  readonly upstream: Upstream | null;
  /** Keyed hash of matched text for findings (never the text). */
  readonly hashMatch: (matched: string) => string;
  readonly metrics: Metrics;
  /** Worker threads for big request bodies (SCAN_*); absent or null: all judged in-thread. */
  readonly scanPool?: ScanPool | null;
  /** This replica: its id, and the schema its records and policies live in. */
  readonly replica: { readonly id: string; readonly scope: string };
  readonly tokens: { readonly admin: readonly string[]; readonly auditor: readonly string[] };
  /**
   * Records of finished calls still being built (a token estimate or a scan worker's
   * stored prompt can be outstanding): shutdown waits for them before the audit log closes.
   */
  readonly recording?: Set<Promise<void>>;
}
