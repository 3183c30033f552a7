// Table types for Kysely. Nullable columns are `T | null`, never optional.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** Postgres bigint comes back from pg as a string; we write numbers. */
type BigIntColumn = ColumnType<string | number, number, number>;

export interface AuditRecordsTable {
  id: string;
  received_at: Timestamp;
  completed_at: Timestamp;
  duration_ms: number;
  ttfb_ms: number | null;
  method: string;
  path: string;
  route: string | null;
  model: string | null;
  returned_model: string | null;
  stream: boolean;
  status: number;
  upstream_status: number | null;
  error_code: string | null;
  upstream_error: Json<UpstreamErrorInfo | null>;
  key_fingerprint: string | null;
  client_ip: string | null;
  caller: string | null;
  client_request_id: string | null;
  upstream_request_id: string | null;
  params: Json<Record<string, unknown> | null>;
  prompt: string | null;
  prompt_storage: string;
  response: string | null;
  response_storage: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  usage_source: string | null;
  decision: string;
  findings: Json<unknown[]>;
  policy_version: string | null;
  filter_ms: number | null;
  retries: Generated<number>;
  request_bytes: BigIntColumn;
  response_bytes: BigIntColumn;
  client_aborted: Generated<boolean>;
  /** Tamper evidence (src/audit/chain.ts); null on rows written before chaining. */
  chain_id: string | null;
  chain_seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

export interface UpstreamErrorInfo {
  type: string | null;
  code: string | null;
  message: string | null;
}

export interface PolicyVersionsTable {
  id: Generated<string | number>;
  name: string;
  version: number;
  content_hash: string;
  text: string;
  diff: string | null;
  author: string;
  source: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Per hash chain, the highest sequence number retention removed (see verify). */
export interface AuditRetentionMarksTable {
  chain_id: string;
  removed_through: number;
  updated_at: Timestamp;
}

export interface DB {
  audit_records: AuditRecordsTable;
  audit_retention_marks: AuditRetentionMarksTable;
  policy_versions: PolicyVersionsTable;
}

export type AuditRow = Selectable<AuditRecordsTable>;
export type NewAuditRow = Insertable<AuditRecordsTable>;
