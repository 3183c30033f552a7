// Judging one request body, in two steps: read it (JSON, model, stream flag, parameters),
// then, under the rules the caller chose for that model, extract every text segment, run
// the input rules and build the bytes to forward. The same code runs on the main thread
// for small bodies and in a scan worker for big ones, so both paths decide alike.
import type { StorageMode } from '../audit/record.js';
import { storedText } from '../audit/stored-text.js';
import { SidecarError } from '../errors.js';
import { evaluate } from '../filters/engine.js';
import type { HashFn, RuleSharer } from '../filters/engine.js';
import { applyRedactions } from '../filters/redact.js';
import type { CompiledRule, Decision, Finding, Segment } from '../filters/types.js';
import { extractRequest, renderSegments, requestParams } from '../openai/extract-request.js';
import { setAt } from '../openai/json-path.js';
import { repeatedKey, spliceRedactions, type StringEdit } from '../openai/json-splice.js';
import type { FilteredRoute } from '../openai/routes.js';

/** Time allowed to each async check (a moderation service) of the input phase. */
export const INPUT_ASYNC_TIMEOUT_MS = 10_000;

/** What the policy choice needs from a body. */
export interface RequestHead {
  readonly model: string | null;
  readonly stream: boolean;
  readonly params: Record<string, unknown> | null;
}

export interface ParsedRequest {
  readonly json: Record<string, unknown>;
  readonly head: RequestHead;
}

/** The outcome of the input phase for one body. */
export interface Judgement {
  /**
   * The segments judged; null when they stayed in the scan worker that judged them (the
   * record's prompt, `storedPrompt`, was built there).
   */
  readonly segments: readonly Segment[] | null;
  /** The prompt as seen, every segment rendered as the record renders it (for a usage estimate). */
  readonly inputText: () => string;
  readonly unscanned: string[];
  /**
   * Null when no rule applied (nothing ran). Judged in a scan worker, `verdict.findings` is
   * empty and the findings are `findingsJson`.
   */
  readonly verdict: {
    readonly decision: Decision;
    readonly findings: Finding[];
    readonly blockedBy: string[];
    readonly ms: number;
  } | null;
  /** The bytes to send upstream; null when the call is blocked. */
  readonly forward: Buffer | null;
  /** The stream asks for usage only because we added it: drop the extra chunk. */
  readonly stripUsageChunk: boolean;
  /**
   * What the record keeps of the prompt, when it is built where the request was judged (a
   * scan worker); it may come after the judgement. Undefined: the record builds it from
   * `segments`.
   */
  readonly storedPrompt?: Promise<StoredPrompt>;
  /** The findings as JSON text (JSON.stringify of them), when they came from a scan worker. */
  readonly findingsJson?: string;
}

/** What the record keeps of the prompt, built where the request was judged. */
export interface StoredPrompt {
  /** The prompt as the storage rule keeps it (null for `none`), or only its first characters. */
  readonly text: string | null;
  /** The whole length, when `text` holds only the first characters (as many as a record keeps). */
  readonly chars?: number;
}

/** Throws SidecarError `invalid_json` unless the body is a JSON object. */
export function parseRequest(body: Buffer | null): ParsedRequest {
  if (!body || body.length === 0) throw new SidecarError('invalid_json', 'The request body is empty; a JSON object is required.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SidecarError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SidecarError('invalid_json', 'The request body must be a JSON object.');
  }
  // The filters judge the last of repeated keys (as JSON.parse keeps it); the gateway gets
  // the client's bytes and might act on the first.
  const repeated = repeatedKey(body);
  if (repeated !== null) {
    const name = repeated.length > 40 ? `${repeated.slice(0, 40)}…` : repeated;
    throw new SidecarError('invalid_json', `The request body repeats the key ${JSON.stringify(name)} within one object; each key may appear only once.`);
  }
  const json = parsed as Record<string, unknown>;
  return {
    json,
    head: { model: typeof json.model === 'string' ? json.model : null, stream: json.stream === true, params: requestParams(json) },
  };
}

/**
 * The prompt text `inputText` gives, made again from the request body: judging a body
 * does not change it, and parsing and extraction give the same segments every time.
 */
export function promptText(route: FilteredRoute, body: Buffer): string {
  return renderSegments(extractRequest(route, parseRequest(body).json).segments);
}

/** The prompt as the record keeps it under `mode`, from the judged segments and their findings. */
export function promptToStore(segments: readonly Segment[], findings: readonly Finding[], mode: StorageMode): string | null {
  return storedText(segments, findings, mode, renderSegments);
}

/** promptToStore for a body judged elsewhere, made again from the body (as promptText). */
export function promptToStoreFromBody(route: FilteredRoute, body: Buffer, findings: readonly Finding[], mode: StorageMode): string | null {
  return promptToStore(extractRequest(route, parseRequest(body).json).segments, findings, mode);
}

/**
 * Runs the input rules over `json` (parsed from `body`; changed only when it is
 * re-serialised) and decides what to forward: the original bytes, with redacted text
 * replaced in place and usage asked for at the front when the stream needs it.
 * Re-serialising (which would alter numbers such as `1.0`) happens only when the client's
 * own stream_options must change or a redaction cannot be placed in the bytes.
 */
export async function judgeRequest(
  route: FilteredRoute,
  parsed: ParsedRequest,
  body: Buffer,
  rules: readonly CompiledRule[],
  hash: HashFn,
  share?: RuleSharer,
): Promise<Judgement> {
  const { json, head } = parsed;
  const { segments, unscanned } = extractRequest(route, json);
  const inputText = () => renderSegments(segments);
  const edits: StringEdit[] = [];
  let verdict: Judgement['verdict'] = null;
  if (rules.length > 0) {
    const ev = await evaluate(rules, segments, 'input', { hash, timeoutMs: INPUT_ASYNC_TIMEOUT_MS, ...(share ? { share } : {}) });
    verdict = { decision: ev.decision, findings: ev.findings, blockedBy: ev.blockedBy, ms: ev.ms };
    if (ev.decision === 'block') return { segments, inputText, unscanned, verdict, forward: null, stripUsageChunk: false };
    for (const r of ev.redactions) {
      const seg = segments[r.segment]!;
      edits.push({ path: seg.path, text: seg.text, spans: r.spans });
    }
  }
  // The redactions go into the body's own bytes; re-serialising is the fallback.
  let forward = edits.length === 0 ? body : spliceRedactions(body, edits);
  let reserialise = forward === null;
  let stripUsageChunk = false;
  if (head.stream && (route === 'chat.completions' || route === 'completions')) {
    const so = json.stream_options;
    const asked = typeof so === 'object' && so !== null && (so as Record<string, unknown>).include_usage === true;
    if (!asked) {
      // Ask for usage anyway (exact tokens in the record); the extra chunk is stripped.
      stripUsageChunk = true;
      if (so === null || typeof so === 'object' || reserialise) {
        // A stream_options of the client's (an object without include_usage, or null) is
        // rewritten: a second member added in front would lose to it. Any other value is
        // left for the gateway to refuse.
        json.stream_options = { ...(typeof so === 'object' && so !== null ? so : {}), include_usage: true };
        reserialise = true;
      } else {
        forward = spliceStreamOptions(forward!);
      }
    }
  }
  if (reserialise) {
    for (const e of edits) setAt(json, e.path, applyRedactions(e.text, e.spans));
    forward = Buffer.from(JSON.stringify(json));
  }
  return { segments, inputText, unscanned, verdict, forward: forward!, stripUsageChunk };
}

/**
 * Adds `"stream_options":{"include_usage":true}` right after the body's opening brace,
 * leaving every other byte as the client sent it (re-serialising would alter numbers).
 */
export function spliceStreamOptions(body: Buffer): Buffer {
  const open = body.indexOf(0x7b); // '{'
  const rest = body.subarray(open + 1);
  const empty = /^\s*}/.test(rest.subarray(0, 64).toString('utf8'));
  const insert = Buffer.from(`"stream_options":{"include_usage":true}${empty ? '' : ','}`);
  return Buffer.concat([body.subarray(0, open + 1), insert, rest]);
}
