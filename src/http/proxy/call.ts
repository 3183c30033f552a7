// One proxied call: the state its record is built from, gathered along the request path,
// and written exactly once when the response closes (finished, failed or aborted).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditRecord, RecordedFinding, StorageMode } from '../../audit/record.js';
import type { UpstreamErrorInfo } from '../../db/schema.js';
import type { CallPolicy } from '../../context.js';
import type { Decision, Finding, Segment } from '../../filters/types.js';
import { keyFingerprint, uuidv7 } from '../../ids.js';
import { renderSegments } from '../../openai/extract-request.js';
import type { FilteredRoute } from '../../openai/routes.js';
import { estimateUsage, type Usage } from '../../openai/usage.js';
import { headerValue, saneRequestId } from '../headers.js';
import { storedText } from '../../audit/stored-text.js';
import { promptToStore, type StoredPrompt } from '../../scan/judge-request.js';
import { maskSecrets, maskSecretsIn } from '../../filters/mask-secrets.js';

const DECISION_RANK: Record<Decision, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

export class Call {
  readonly id: string;
  readonly receivedAt: Date;
  readonly #t0 = performance.now();
  readonly method: string;
  /** Path after `/v1`, without the query. */
  readonly path: string;
  readonly caller: string | null;
  readonly keyFingerprint: string | null;
  readonly clientIp: string | null;
  readonly clientRequestId: string | null;

  route: FilteredRoute | null = null;
  model: string | null = null;
  returnedModel: string | null = null;
  stream = false;
  params: Record<string, unknown> | null = null;
  requestBytes = 0;
  responseBytes = 0;
  ttfbMs: number | null = null;
  upstreamStatus: number | null = null;
  upstreamError: UpstreamErrorInfo | null = null;
  upstreamRequestId: string | null = null;
  errorCode: string | null = null;
  retries = 0;
  usage: Usage | null = null;
  usageSource: 'upstream' | 'estimated' | null = null;

  policy: CallPolicy | null = null;
  decision: Decision = 'allow';
  /** The segments of a request judged on this thread (those judged in a scan worker stay there). */
  inputSegments: readonly Segment[] = [];
  /** The prompt as seen, for a usage estimate; default: the segments rendered. */
  inputText: (() => string) | null = null;
  /**
   * The prompt as the record keeps it, when it was built where the request was judged (a
   * scan worker, from the same segments, findings and storage rule); else built at finish.
   */
  storedPrompt: Promise<StoredPrompt> | undefined = undefined;
  inputFindings: readonly Finding[] = [];
  /** The input findings as JSON text, when they came that way from a scan worker (`inputFindings` is then empty). */
  inputFindingsJson: string | null = null;
  outputSegments: readonly Pick<Segment, 'text' | 'role' | 'kind'>[] = [];
  outputFindings: readonly Finding[] = [];
  unscanned: string[] = [];
  filterMs = 0;
  /** Whether output text was expected (a filtered route that generates text). */
  expectsOutput = false;

  /** Work that must end before the record is built (a whole-text check of streamed output). */
  pending: Promise<void> | null = null;

  #finished = false;

  constructor(req: IncomingMessage, subPath: string) {
    this.receivedAt = new Date();
    this.id = uuidv7(this.receivedAt.getTime());
    this.method = req.method ?? 'GET';
    this.path = subPath;
    this.caller = maskSecretsIn(headerValue(req.headers['x-caller'], 128));
    this.keyFingerprint = keyFingerprint(headerValue(req.headers.authorization, 8192) ?? undefined);
    this.clientIp = req.socket.remoteAddress ?? null;
    const requestId = saneRequestId(req.headers['x-request-id']);
    // A request id that holds a credential is not echoed or kept: ours stands in for it.
    this.clientRequestId = requestId !== null && maskSecrets(requestId) !== requestId ? null : requestId;
  }

  /** The id the caller sees: its own when it sent a sane one, ours otherwise. */
  get responseRequestId(): string {
    return this.clientRequestId ?? this.id;
  }

  elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  markUpstreamHeaders(): void {
    this.ttfbMs = this.elapsedMs();
  }

  raiseDecision(d: Decision): void {
    if (DECISION_RANK[d] > DECISION_RANK[this.decision]) this.decision = d;
  }

  /**
   * Builds the record once; later calls return null. `completing`: the response is about
   * to end normally (strict mode records before the last bytes go out).
   */
  async finish(res: ServerResponse, maxTextChars: number, completing = false): Promise<AuditRecord | null> {
    if (this.#finished) return null;
    this.#finished = true;
    const durationMs = this.elapsedMs();
    if (this.pending) await this.pending;
    const finished = completing || res.writableFinished;
    const storage = this.policy?.storage ?? { prompt: 'full' as StorageMode, response: 'full' as StorageMode };
    const stored = this.storedPrompt === undefined ? undefined : await this.storedPrompt;
    const prompt = !this.route
      ? null
      : stored !== undefined
        ? stored.text
        : promptToStore(this.inputSegments, this.inputFindings, storage.prompt);
    const responseText = this.expectsOutput
      ? storedText(this.outputSegments, this.outputFindings, storage.response, renderText)
      : null;
    if (!this.usage && this.route && this.upstreamStatus !== null && this.upstreamStatus < 400) {
      // No usage from the upstream (or the stream was cut): count what was seen.
      this.usage = await estimateUsage(
        this.inputText ? this.inputText() : renderSegments(this.inputSegments),
        this.expectsOutput ? renderText(this.outputSegments) : null,
      );
      this.usageSource = 'estimated';
    }
    const findings: RecordedFinding[] = [...this.inputFindings, ...this.outputFindings];
    // Kinds are names the client chose (a part's `type`): kept only when they read as one.
    if (this.unscanned.length) findings.push({ rule: '_unscanned', phase: 'input', kinds: [...new Set(this.unscanned.map((k) => (/^[\w.:-]{1,48}$/.test(k) ? maskSecrets(k) : 'unknown_part')))] });
    return {
      id: this.id,
      receivedAt: this.receivedAt,
      completedAt: new Date(this.receivedAt.getTime() + durationMs),
      durationMs,
      ttfbMs: this.ttfbMs,
      method: this.method,
      path: this.path,
      route: this.route,
      model: maskSecretsIn(this.model),
      returnedModel: maskSecretsIn(this.returnedModel),
      stream: this.stream,
      status: res.statusCode,
      upstreamStatus: this.upstreamStatus,
      errorCode: this.errorCode ?? (finished ? null : 'client_aborted'),
      upstreamError: this.upstreamError,
      keyFingerprint: this.keyFingerprint,
      clientIp: this.clientIp,
      caller: this.caller,
      clientRequestId: this.clientRequestId,
      upstreamRequestId: this.upstreamRequestId,
      params: this.params,
      prompt: prompt === null ? null : prompt,
      ...(stored?.chars !== undefined ? { promptChars: stored.chars } : {}),
      promptStorage: storage.prompt,
      response: responseText,
      responseStorage: storage.response,
      promptTokens: this.usage?.promptTokens ?? null,
      completionTokens: this.usage?.completionTokens ?? null,
      totalTokens: this.usage?.totalTokens ?? null,
      cachedTokens: this.usage?.cachedTokens ?? null,
      reasoningTokens: this.usage?.reasoningTokens ?? null,
      usageSource: this.usage ? this.usageSource : null,
      decision: this.decision,
      findings,
      ...(this.inputFindingsJson !== null ? { findingsJson: this.inputFindingsJson } : {}),
      policyVersion: this.policy?.version ?? null,
      filterMs: this.route ? this.filterMs : null,
      retries: this.retries,
      requestBytes: this.requestBytes,
      responseBytes: this.responseBytes,
      clientAborted: !finished,
    };
  }
}

function renderText(segments: readonly Pick<Segment, 'text'>[]): string {
  return segments.map((s) => s.text).join('\n\n');
}
