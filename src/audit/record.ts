// The audit record: one per call, whatever its outcome. Never holds Authorization, an API
// key or a matched secret: keys appear only as a fingerprint, findings only as offsets
// and keyed hashes.
import type { Finding } from '../filters/types.js';
import type { NewAuditRow, UpstreamErrorInfo } from '../db/schema.js';

export const STORAGE_MODES = ['full', 'redacted', 'none'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];

export interface AuditRecord {
  id: string;
  receivedAt: Date;
  completedAt: Date;
  durationMs: number;
  /** Time from receiving the call to the upstream's response headers. */
  ttfbMs: number | null;
  method: string;
  path: string;
  route: string | null;
  model: string | null;
  returnedModel: string | null;
  stream: boolean;
  status: number;
  upstreamStatus: number | null;
  errorCode: string | null;
  upstreamError: UpstreamErrorInfo | null;
  keyFingerprint: string | null;
  clientIp: string | null;
  caller: string | null;
  clientRequestId: string | null;
  upstreamRequestId: string | null;
  params: Record<string, unknown> | null;
  prompt: string | null;
  /**
   * The prompt's length when `prompt` holds only its first characters (at least as many as
   * the record keeps): it was cut where it was built, so a megabyte text need not be copied
   * between threads. The record is the same as with the whole text.
   */
  promptChars?: number;
  promptStorage: StorageMode;
  response: string | null;
  /** As promptChars, for the response. */
  responseChars?: number;
  responseStorage: StorageMode;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cachedTokens: number | null;
  reasoningTokens: number | null;
  usageSource: 'upstream' | 'estimated' | null;
  decision: string;
  findings: readonly RecordedFinding[];
  /**
   * The first findings as JSON text (JSON.stringify of the list), when they arrived that way
   * from the thread that made them: thousands of findings cost more to copy between threads
   * as objects than as one string. The record's findings are these, then `findings`.
   */
  findingsJson?: string;
  policyVersion: string | null;
  filterMs: number | null;
  retries: number;
  requestBytes: number;
  responseBytes: number;
  clientAborted: boolean;
}

/** A finding as stored: the engine's finding, plus notes such as unscanned content. */
export type RecordedFinding = Finding | { readonly rule: '_unscanned'; readonly phase: 'input' | 'output'; readonly kinds: readonly string[] };

/**
 * The text as a record keeps it: at most `max` characters, then a note of how many were
 * cut. `chars`: the whole text's length, when `text` is only its first characters.
 */
export function truncate(text: string | null, max: number, chars = text?.length ?? 0): string | null {
  if (text === null) return text;
  if (chars > text.length && max > text.length) throw new RangeError(`a text cut at ${text.length} characters cannot be kept to ${max}`);
  if (chars <= max) return text;
  return `${text.slice(0, max)}\n[truncated: ${chars - max} more characters]`;
}

/**
 * Postgres text and jsonb cannot hold U+0000, and a client can send it (in a prompt, or as
 * `\u0000` in JSON): it becomes U+FFFD so the record still lands.
 */
const NUL = /\u0000/g;
const pgText = <T extends string | null>(s: T): T => (s === null ? s : (s.replace(NUL, '\uFFFD') as T));
const pgJsonText = (json: string): string => json.replace(/\\u0000/g, '\\ufffd');
const pgJson = (value: unknown): string => pgJsonText(JSON.stringify(value));

/** The JSON text of two arrays' elements in one array, from their JSON texts (as JSON.stringify would give it). */
function joinJsonArrays(a: string, b: string): string {
  if (a === '[]') return b;
  if (b === '[]') return a;
  return `${a.slice(0, -1)},${b.slice(1)}`;
}

export function toRow(r: AuditRecord, maxTextChars: number): NewAuditRow {
  return {
    id: r.id,
    received_at: r.receivedAt,
    completed_at: r.completedAt,
    duration_ms: r.durationMs,
    ttfb_ms: r.ttfbMs,
    method: r.method,
    path: pgText(r.path),
    route: r.route,
    model: pgText(r.model),
    returned_model: pgText(r.returnedModel),
    stream: r.stream,
    status: r.status,
    upstream_status: r.upstreamStatus,
    error_code: r.errorCode,
    upstream_error: pgJson(r.upstreamError),
    key_fingerprint: r.keyFingerprint,
    client_ip: r.clientIp,
    caller: pgText(r.caller),
    client_request_id: r.clientRequestId,
    upstream_request_id: r.upstreamRequestId,
    params: pgJson(r.params),
    prompt: pgText(truncate(r.prompt, maxTextChars, r.promptChars)),
    prompt_storage: r.promptStorage,
    response: pgText(truncate(r.response, maxTextChars, r.responseChars)),
    response_storage: r.responseStorage,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.totalTokens,
    cached_tokens: r.cachedTokens,
    reasoning_tokens: r.reasoningTokens,
    usage_source: r.usageSource,
    decision: r.decision,
    findings: r.findingsJson === undefined ? pgJson(r.findings) : pgJsonText(joinJsonArrays(r.findingsJson, JSON.stringify(r.findings))),
    policy_version: r.policyVersion,
    filter_ms: r.filterMs,
    retries: r.retries,
    request_bytes: r.requestBytes,
    response_bytes: r.responseBytes,
    client_aborted: r.clientAborted,
  };
}
