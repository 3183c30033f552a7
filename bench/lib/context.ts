// What every figure gets: options, the database in use, the workspace, the report, and
// the stand-in + sidecar pair (started on first use and shared, unless a figure needs a
// fresh one).
import type { DatabaseChoice, Pair, Workspace } from './setup.js';
import type { Report } from './report.js';

export interface BenchOptions {
  /** Seconds of each closed-loop throughput run. */
  readonly durationS: number;
  /** Sequential samples per target for the latency figures. */
  readonly samples: number;
  /** Soak length. */
  readonly minutes: number;
  readonly soakRate: number;
  readonly databaseUrl: string;
  readonly embedded: boolean;
  readonly keepProfiles: boolean;
}

export interface BenchContext {
  readonly opts: BenchOptions;
  readonly db: DatabaseChoice;
  readonly work: Workspace;
  readonly report: Report;
  pair(): Promise<Pair>;
  log(text: string): void;
}

export type Figure = (b: BenchContext) => Promise<void>;

/** The request every figure sends to the chat endpoint (same bytes to both targets). */
export const CHAT_PATH = '/chat/completions';
export const AUTH = { authorization: 'Bearer bench-key-0000000000000000' } as const;
