// The upstream's response, three ways: passed through untouched (errors, unfiltered
// routes), buffered JSON (filtered routes: usage, output filters, then sent), or a
// server-sent-event stream filtered event by event without buffering.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { evaluate } from '../../filters/engine.js';
import { applyRedactions } from '../../filters/redact.js';
import type { CompiledRule } from '../../filters/types.js';
import { dropLogprobs, extractResponse, returnedModel, withholdChoice } from '../../openai/extract-response.js';
import { setAt } from '../../openai/json-path.js';
import { SseSplitter } from '../../openai/sse.js';
import { StreamGuard } from '../../openai/stream-guard.js';
import { readUsage } from '../../openai/usage.js';
import type { AppContext } from '../../context.js';
import { connectionTokens, HOP_BY_HOP, headerValue } from '../headers.js';
import type { Call } from './call.js';
import { maskSecrets } from '../../filters/mask-secrets.js';

/** Largest JSON response buffered for filtering; larger ones pass through unfiltered-but-recorded. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** How much of an upstream error body is read for the record's error type and code. */
const ERROR_CAPTURE_BYTES = 16 * 1024;

export interface ResponseState {
  readonly call: Call;
  readonly outputRules: readonly CompiledRule[];
  readonly stripUsageChunk: boolean;
  /** Re-arms the idle timer on every upstream chunk. */
  readonly onActivity: () => void;
}

export function respond(ctx: AppContext, st: ResponseState, up: IncomingMessage, res: ServerResponse): void {
  const { call } = st;
  call.markUpstreamHeaders();
  const status = up.statusCode ?? 502;
  call.upstreamStatus = status;
  call.upstreamRequestId = headerValue(up.headers['x-request-id'], 128);
  const type = String(up.headers['content-type'] ?? '');
  if (call.route && status < 300 && type.includes('text/event-stream')) return streamEvents(ctx, st, up, res);
  if (call.route && status < 300 && type.includes('json')) return void bufferJson(ctx, st, up, res);
  passThrough(st, up, res);
}

function copyHeaders(up: IncomingMessage, res: ServerResponse, rewritten: boolean): void {
  const drop = up.headers.connection ? new Set(connectionTokens(up.headers.connection)) : null;
  for (let i = 0; i < up.rawHeaders.length; i += 2) {
    const name = up.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || drop?.has(lower)) continue;
    if (lower === 'x-request-id') {
      res.setHeader('x-upstream-request-id', up.rawHeaders[i + 1]!);
      continue;
    }
    if (rewritten && (lower === 'content-length' || lower === 'content-encoding')) continue;
    const prev = res.getHeader(name);
    res.setHeader(name, prev === undefined ? up.rawHeaders[i + 1]! : [...([] as string[]).concat(prev as string), up.rawHeaders[i + 1]!]);
  }
}

function decoded(up: IncomingMessage): Readable {
  switch (String(up.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return up.pipe(createGunzip());
    case 'deflate':
      return up.pipe(createInflate());
    case 'br':
      return up.pipe(createBrotliDecompress());
    default:
      return up;
  }
}

/** Ends the client response when the upstream breaks off mid-body. */
function onUpstreamBreak(st: ResponseState, up: IncomingMessage, res: ServerResponse): void {
  const broke = () => {
    if (res.writableEnded) return;
    st.call.errorCode ??= 'upstream_disconnected';
    res.destroy();
  };
  up.once('aborted', broke);
  up.once('error', broke);
}

function passThrough(st: ResponseState, up: IncomingMessage, res: ServerResponse): void {
  const { call } = st;
  copyHeaders(up, res, false);
  res.writeHead(up.statusCode ?? 502);
  const status = up.statusCode ?? 502;
  const captured: Buffer[] = [];
  let capturedBytes = 0;
  up.on('data', (chunk: Buffer) => {
    st.onActivity();
    call.responseBytes += chunk.length;
    if (status >= 400 && capturedBytes < ERROR_CAPTURE_BYTES) {
      captured.push(chunk);
      capturedBytes += chunk.length;
    }
  });
  up.on('end', () => {
    if (status >= 400) call.upstreamError = readUpstreamError(Buffer.concat(captured), up.headers['content-encoding']);
  });
  onUpstreamBreak(st, up, res);
  up.pipe(res);
}

async function bufferJson(ctx: AppContext, st: ResponseState, up: IncomingMessage, res: ServerResponse): Promise<void> {
  const { call } = st;
  onUpstreamBreak(st, up, res);
  let raw: Buffer | null;
  try {
    raw = await collect(decoded(up), st.onActivity, MAX_JSON_BYTES);
  } catch {
    if (!res.writableEnded) res.destroy();
    return;
  }
  if (res.destroyed) return;
  if (raw === null) {
    // Not filterable in memory: refuse rather than pass unjudged text.
    call.errorCode = 'upstream_response_too_large';
    up.destroy();
    res.statusCode = 502;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: { message: 'The upstream response is too large to filter.', type: 'api_error', param: null, code: 'upstream_response_too_large' } }));
    return;
  }
  let out: Buffer | string = raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
    const obj = parsed as Record<string, unknown>;
    call.returnedModel = returnedModel(obj);
    const usage = readUsage(obj.usage);
    if (usage) {
      call.usage = usage;
      call.usageSource = 'upstream';
    }
    if (call.expectsOutput) {
      const segments = extractResponse(call.route!, obj);
      call.outputSegments = segments;
      if (st.outputRules.length > 0 && segments.length > 0) {
        const ev = await evaluate(st.outputRules, segments, 'output', { hash: ctx.hashMatch });
        call.filterMs += ev.ms;
        call.outputFindings = ev.findings;
        call.raiseDecision(ev.decision);
        if (ev.decision === 'block' || ev.redactions.length > 0) {
          const blocked = new Set<number>();
          for (const f of ev.findings) {
            if (f.enforced && f.action === 'block') for (const l of f.locations) blocked.add(l.segment);
          }
          for (const r of ev.redactions) {
            if (blocked.has(r.segment)) continue;
            const seg = segments[r.segment]!;
            setAt(obj, seg.path, applyRedactions(seg.text, r.spans));
            // Log probabilities spell out the tokens of the text: they go with it.
            dropLogprobs(call.route!, obj, seg.path);
          }
          for (const i of blocked) withholdChoice(call.route!, obj, segments[i]!.path);
          if (ev.decision === 'block' && blocked.size === 0) {
            // A whole-text block (moderation): withhold every choice.
            for (const seg of segments) withholdChoice(call.route!, obj, seg.path);
          }
          out = JSON.stringify(obj);
        }
      }
    }
  } else if (call.expectsOutput && st.outputRules.length > 0) {
    // A 2xx body that claims JSON but is not: it cannot be judged, so it is not passed on.
    call.errorCode = 'upstream_invalid_json';
    res.statusCode = 502;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: { message: 'The upstream response could not be read for filtering.', type: 'api_error', param: null, code: 'upstream_invalid_json' } }));
    return;
  }
  copyHeaders(up, res, true);
  res.setHeader('x-sidecar-decision', call.decision);
  const length = typeof out === 'string' ? Buffer.byteLength(out) : out.length;
  res.setHeader('content-length', length);
  call.responseBytes = length;
  res.writeHead(up.statusCode ?? 200);
  res.end(out);
}

/**
 * The whole body, or null once it grows past `max` bytes (the stream is then destroyed).
 * Rejects when the stream fails or closes before its end. Plain listeners: an async
 * iterator costs a promise and a queue per chunk, on every call.
 */
function collect(body: Readable, onChunk: () => void, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const settle = (err: Error | null, value: Buffer | null) => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve(value);
    };
    body.on('data', (chunk: Buffer) => {
      if (done) return;
      onChunk();
      size += chunk.length;
      if (size > max) {
        settle(null, null);
        body.destroy();
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => settle(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // Stays after settling: a late error on the stream must not go unhandled.
    body.on('error', (err) => settle(err, null));
    // 'close' follows every 'end': only build an error (a stack trace) when it came first.
    body.once('close', () => {
      if (!done) settle(new Error('the response body closed before its end'), null);
    });
  });
}

function streamEvents(ctx: AppContext, st: ResponseState, up: IncomingMessage, res: ServerResponse): void {
  const { call } = st;
  copyHeaders(up, res, true);
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no');
  res.writeHead(up.statusCode ?? 200);
  res.flushHeaders();
  const splitter = new SseSplitter();
  // Whole-text checks (moderation) cannot hold a stream back chunk by chunk: they judge
  // the complete output after it was sent, and their findings are recorded as not enforced.
  const syncRules = st.outputRules.filter((r) => r.scanner.kind === 'sync');
  const asyncRules = st.outputRules.filter((r) => r.scanner.kind === 'async');
  const guard = new StreamGuard({
    route: call.route!,
    rules: syncRules,
    hash: ctx.hashMatch,
    stripUsageChunk: st.stripUsageChunk,
  });
  let guardFinished = false;
  const finishGuard = () => {
    if (guardFinished) return;
    guardFinished = true;
    const out = guard.output();
    call.outputSegments = out.segments;
    call.outputFindings = out.findings;
    if (guard.usage) {
      call.usage = guard.usage;
      call.usageSource = 'upstream';
    }
    call.returnedModel = guard.model;
    for (const f of out.findings) if (f.enforced) call.raiseDecision(f.action);
    if (asyncRules.length > 0 && out.segments.length > 0) {
      const segments = out.segments.map((s, i) => ({ ...s, path: ['output', i] }));
      call.pending = evaluate(asyncRules, segments, 'output', { hash: ctx.hashMatch, timeoutMs: 10_000 }).then(
        (ev) => {
          call.outputFindings = [...call.outputFindings, ...ev.findings.map((f) => ({ ...f, enforced: false }))];
          if (ev.decision !== 'allow') call.raiseDecision('flag');
        },
        (err: Error) => ctx.logger.warn({ err: err.message, requestId: call.id }, 'whole-text output check failed'),
      );
    }
  };
  const body = decoded(up);
  body.on('data', (chunk: Buffer) => {
    st.onActivity();
    const t0 = performance.now();
    let out = '';
    for (const ev of splitter.push(chunk)) out += guard.onEvent(ev);
    call.filterMs += performance.now() - t0;
    if (out !== '') {
      call.responseBytes += Buffer.byteLength(out);
      res.write(out);
    }
    if (guard.ended) {
      // A filter stopped the stream: finish the client's response first, then drop the
      // upstream (its abort must not cut the response we just completed).
      finishGuard();
      res.end();
      up.destroy();
    }
  });
  body.on('end', () => {
    if (guard.ended) return;
    let out = guard.finish();
    const rest = splitter.end();
    if (rest.trim() !== '' && syncRules.length === 0) out += rest;
    finishGuard();
    if (out !== '') {
      call.responseBytes += Buffer.byteLength(out);
      res.write(out);
    }
    res.end();
  });
  body.on('error', () => {
    finishGuard();
    if (!res.writableEnded) res.destroy();
  });
  up.once('aborted', () => {
    call.errorCode ??= 'upstream_disconnected';
    finishGuard();
    if (!res.writableEnded) res.destroy();
  });
}

/** The type and code of an upstream error body; its message with anything key-like masked. */
export function readUpstreamError(body: Buffer, encoding: string | string[] | undefined): { type: string | null; code: string | null; message: string | null } | null {
  if (encoding && encoding !== 'identity') return null;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { type?: unknown; code?: unknown; message?: unknown } | string };
    const e = parsed.error;
    if (typeof e === 'string') return { type: null, code: null, message: scrub(e) };
    if (!e || typeof e !== 'object') return null;
    return {
      type: typeof e.type === 'string' ? e.type : null,
      code: typeof e.code === 'string' || typeof e.code === 'number' ? maskSecrets(String(e.code)).slice(0, 100) : null,
      message: typeof e.message === 'string' ? scrub(e.message) : null,
    };
  } catch {
    return null;
  }
}

/** Gateways quote (parts of) keys in 401 messages: mask every long token-like run. */
function scrub(message: string): string {
  // Credentials first (the secret detector), then any long token-like run (base64 keys
  // included), and only then cut to 500 characters, so no key straddles the cut.
  return maskSecrets(message)
    .replace(/(?:bearer|basic|token|key)\s+\S+/gi, (m) => `${m.split(/\s+/)[0]} [masked]`)
    .replace(/[A-Za-z0-9_\-*.+/=]{16,}/g, '[masked]')
    .slice(0, 500);
}
