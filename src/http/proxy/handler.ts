// The proxy's request path: read the body once (size-capped), pull out every text
// segment, judge it under the policies that govern this call, then forward with node:http
// over the upstream's keep-alive agent, sending the bytes we hold (re-serialised only when
// a filter changed them). The record is written when the response closes, whatever the
// outcome.
//
// Forwarding is done here rather than through http-proxy-middleware: the body is already
// in memory and the response is always handled by respond.ts, so the library only added
// per-call work (its event plumbing, URL re-parsing, a pipe of a finished request) that
// cost more CPU than the rest of the forwarding path together.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { SidecarError } from '../../errors.js';
import type { CompiledRule } from '../../filters/types.js';
import { classifyRoute, hasDotDot, hasOutput } from '../../openai/routes.js';
import { connectionTokens, HOP_BY_HOP } from '../headers.js';
import { sendError } from '../errors.js';
import { hasBody, readBody } from './body.js';
import { Call } from './call.js';
import { respond } from './respond.js';
import { retryDelay } from './retry.js';
import { modelLabel } from '../../metrics.js';
import { scanRequest } from '../../scan/scan-request.js';

interface Inflight {
  readonly call: Call;
  readonly body: Buffer | null;
  readonly filtered: boolean;
  readonly outputRules: readonly CompiledRule[];
  readonly stripUsageChunk: boolean;
  proxyReq: http.ClientRequest | null;
  timeout: 'connect' | 'response' | 'idle' | null;
  timer: NodeJS.Timeout | null;
  /** What `timer` is for. */
  timerKind: Inflight['timeout'];
  /** Attempts made so far (1 for the first call). */
  attempt: number;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** The path of a request URL (origin form): what comes before the query. */
export function urlPath(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * The upstream path for a `/v1...` request URL: the upstream's base path, then the rest
 * of the path and the query as sent. Runs of slashes collapse to one, and an empty path
 * becomes `/`, as the forwarding always did.
 */
export function upstreamPath(basePath: string, url: string): string {
  const rewritten = basePath + url.replace(/^\/v1/, '');
  const q = rewritten.indexOf('?');
  const path = `/${q < 0 ? rewritten : rewritten.slice(0, q)}`.replace(/\/+/g, '/');
  return q < 0 ? path : path + rewritten.slice(q);
}

export function createProxyHandler(ctx: AppContext) {
  const inflight = new WeakMap<IncomingMessage, Inflight>();
  const { limits } = ctx.config;
  const target = ctx.upstream ? upstreamTarget(ctx) : null;

  function arm(st: Inflight, kind: Inflight['timeout'] & string, ms: number): void {
    // The idle timer is re-armed on every upstream chunk: restart the same timer then.
    if (st.timer && st.timerKind === kind) {
      st.timer.refresh();
      return;
    }
    disarm(st);
    st.timerKind = kind;
    st.timer = setTimeout(() => {
      st.timer = null;
      st.timeout = kind;
      st.proxyReq?.destroy(new Error(`upstream ${kind} timeout`));
    }, ms);
  }

  return async function proxyCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Through Express (a URL the fast route left to it), its parsed path; else the URL's.
    const path = (req as Partial<Request>).path ?? urlPath(req.url ?? '/');
    const subPath = path.slice(3) || '/';
    const call = new Call(req, subPath);
    res.setHeader('x-request-id', call.responseRequestId);
    res.setHeader('x-sidecar-request-id', call.id);
    res.setHeader('x-sidecar-decision', 'allow');
    res.once('close', () => {
      const st = inflight.get(req);
      if (st) disarm(st);
      if (!res.writableFinished) {
        // The client left or the response broke: stop the upstream call, and make sure the
        // connection is gone (a half-written response can never be reused).
        st?.proxyReq?.destroy();
        req.socket.destroy();
      }
      void record(ctx, call, res);
    });

    if (hasDotDot(call.path)) {
      fail(res, call, new SidecarError('invalid_request', 'The path has a ".." segment; such a path is not forwarded.'));
      return;
    }
    const unavailable = ctx.policies.unavailable();
    if (unavailable.length > 0 && classifyRoute(call.method, call.path) !== null) {
      // A policy file was refused at start and none of its versions is active: serving a
      // filtered call without its rules could let through what it blocks (fail closed).
      // Calls that no filter reads (model lists, files) pass as always.
      const files = unavailable.slice(0, 3).join(', ') + (unavailable.length > 3 ? ', …' : '');
      fail(res, call, new SidecarError('policy_unavailable', `A policy file could not be loaded (${files}); calls are refused until it is fixed or removed. GET /policies on the admin port shows the error.`));
      return;
    }
    if (ctx.config.audit.required) {
      if (!ctx.audit.accepting()) {
        fail(res, call, new SidecarError('audit_unavailable', 'The audit log cannot take records right now; the call was not forwarded.'));
        return;
      }
      holdLastBytes(ctx, call, res);
    }
    try {
      const prepared = await prepare(ctx, req as Request, call);
      if (!target || !ctx.upstream) throw new SidecarError('upstream_not_configured', 'No upstream is configured (UPSTREAM_URL).');
      const st: Inflight = { call, ...prepared, proxyReq: null, timeout: null, timer: null, timerKind: null, attempt: 0 };
      inflight.set(req, st);
      // The body is in memory: an error on the client's side now shows as the response's
      // close (handled above), not as an unhandled 'error'.
      req.on('error', ignore);
      forward(st, req, res);
    } catch (err) {
      fail(res, call, err);
      if (err instanceof SidecarError && err.code === 'request_too_large') {
        // Stop reading the rest of an oversized upload: close once the 413 is out.
        res.setHeader('connection', 'close');
        const socket = req.socket;
        res.once('finish', () => socket?.destroy());
      }
    }
  };

  function forward(st: Inflight, req: IncomingMessage, res: ServerResponse): void {
    st.attempt++;
    st.timeout = null;
    st.proxyReq = null;
    arm(st, 'response', limits.upstreamTimeoutMs);
    let proxyReq: http.ClientRequest;
    try {
      proxyReq = target!.request({
        protocol: target!.protocol,
        hostname: target!.hostname,
        port: target!.port,
        method: req.method,
        path: upstreamPath(target!.basePath, req.url ?? '/'),
        headers: upstreamHeaders(st, req, target!.host),
        agent: target!.agent,
      });
    } catch (err) {
      disarm(st);
      fail(res, st.call, err);
      return;
    }
    st.proxyReq = proxyReq;
    proxyReq.on('socket', (socket) => {
      if (!socket.connecting) return;
      const t = setTimeout(() => {
        st.timeout = 'connect';
        proxyReq.destroy(new Error('upstream connect timeout'));
      }, limits.upstreamConnectTimeoutMs);
      socket.once('connect', () => clearTimeout(t));
      socket.once('close', () => clearTimeout(t));
    });
    proxyReq.on('response', (proxyRes) => onResponse(st, req, res, proxyRes));
    proxyReq.on('error', (err) => onError(st, req, res, err));
    sendBody(proxyReq, st.body);
  }

  function onResponse(st: Inflight, req: IncomingMessage, res: ServerResponse, proxyRes: IncomingMessage): void {
    if (retried(st, req, res, proxyRes.statusCode ?? 502, proxyRes.headers)) {
      proxyRes.resume(); // drop this answer's body; the next attempt answers
      return;
    }
    const idle = () => arm(st, 'idle', limits.upstreamIdleTimeoutMs);
    idle();
    respond(ctx, { call: st.call, outputRules: st.outputRules, stripUsageChunk: st.stripUsageChunk, onActivity: idle }, proxyRes, res);
    proxyRes.once('end', () => disarm(st));
  }

  function onError(st: Inflight, req: IncomingMessage, res: ServerResponse, err: Error): void {
    // The client went away and the upstream call was stopped for it: nothing to answer.
    if (req.socket.destroyed && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return;
    const { call } = st;
    if (res.writableEnded) return; // we ended it ourselves (a filter stopped the stream)
    if (st.timeout === 'idle' || res.headersSent) {
      call.errorCode ??= st.timeout === 'idle' ? 'upstream_timeout' : 'upstream_disconnected';
      res.destroy();
      return;
    }
    if (st.timeout === 'response' || st.timeout === 'connect') {
      fail(res, call, new SidecarError('upstream_timeout', st.timeout === 'connect' ? 'The upstream did not accept the connection in time.' : 'The upstream did not respond in time.'));
      return;
    }
    if (retried(st, req, res, 502)) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    ctx.logger.warn({ requestId: call.id, code }, 'upstream unreachable');
    fail(res, call, new SidecarError('upstream_unreachable', CONNECTION_ERRORS.has(code) ? `The upstream could not be reached (${code}).` : 'The upstream could not be reached.'));
  }

  /** Schedules another attempt if the retry policy allows one; true when it did. */
  function retried(st: Inflight, req: IncomingMessage, res: ServerResponse, status: number, headers?: http.IncomingHttpHeaders): boolean {
    const delay = retryDelay(ctx.config.retry, status, st.attempt, headers);
    if (delay === null || res.headersSent || res.destroyed) return false;
    disarm(st);
    st.call.retries++;
    ctx.logger.debug({ requestId: st.call.id, status, attempt: st.attempt, delay }, 'retrying upstream call');
    setTimeout(() => {
      if (!res.destroyed) forward(st, req, res);
    }, delay);
    return true;
  }
}

function ignore(): void {}

/**
 * Bodies larger than this go upstream in pieces of this size, each once the previous one
 * is out: one write of 4 MB holds the event loop for milliseconds (the kernel copies it
 * all at once), pieces let other calls' work run in between.
 */
const BODY_PIECE_BYTES = 256 * 1024;

/** Sends `body` (the bytes judged) and ends the upstream request. */
function sendBody(proxyReq: http.ClientRequest, body: Buffer | null): void {
  if (!body || body.length <= BODY_PIECE_BYTES) {
    proxyReq.end(body ?? undefined);
    return;
  }
  let at = 0;
  const next = (): void => {
    while (!proxyReq.destroyed) {
      const piece = body.subarray(at, at + BODY_PIECE_BYTES);
      at += piece.length;
      if (at >= body.length) {
        proxyReq.end(piece);
        return;
      }
      if (!proxyReq.write(piece)) {
        proxyReq.once('drain', next);
        return;
      }
    }
  };
  next();
}

function disarm(st: Inflight): void {
  if (st.timer) clearTimeout(st.timer);
  st.timer = null;
}

interface UpstreamTarget {
  readonly request: typeof http.request;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  /** The Host header: the upstream's host and port. */
  readonly host: string;
  /** The upstream URL's path without its trailing slashes ('' for the root). */
  readonly basePath: string;
  readonly agent: http.Agent;
}

function upstreamTarget(ctx: AppContext): UpstreamTarget {
  const { url, agent } = ctx.upstream!;
  return {
    request: url.protocol === 'https:' ? https.request : http.request,
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    host: url.host,
    basePath: url.pathname.replace(/\/+$/, ''),
    agent,
  };
}

/**
 * The client's headers as the upstream gets them: without hop-by-hop headers (and those
 * the client's Connection header names), with the upstream's Host, our request id when the
 * client sent none, identity encoding when the response is parsed, and the length of the
 * body we send. As a flat name/value list (rawHeaders' form), which node:http writes
 * without a setHeader per header.
 */
function upstreamHeaders(st: Inflight, req: IncomingMessage, host: string): string[] {
  const out: string[] = ['host', host];
  const drop = req.headers.connection ? new Set(connectionTokens(req.headers.connection)) : null;
  for (const name in req.headers) {
    if (name === 'host' || HOP_BY_HOP.has(name) || drop?.has(name) || name === 'x-sidecar-request-id') continue;
    // Filtered responses are parsed: ask for them uncompressed.
    if (st.filtered && name === 'accept-encoding') continue;
    if (name === 'content-length') continue;
    const value = req.headers[name]!;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  if (!req.headers['x-request-id']) out.push('x-request-id', st.call.id);
  if (st.filtered) out.push('accept-encoding', 'identity');
  if (st.body) out.push('content-length', String(st.body.length));
  else if (req.method !== 'GET' && req.method !== 'HEAD') out.push('content-length', '0');
  else if (req.headers['content-length'] !== undefined && !drop?.has('content-length')) out.push('content-length', req.headers['content-length']);
  return out;
}

/**
 * Reads and judges the request; returns what to forward. Throws SidecarError to refuse.
 * Big bodies are parsed and judged in a scan worker (src/scan/), small ones right here.
 */
async function prepare(ctx: AppContext, req: Request, call: Call) {
  const body = hasBody(req) ? await readBody(req, ctx.config.limits.maxBodyBytes) : null;
  call.requestBytes = body?.length ?? 0;
  const route = classifyRoute(call.method, call.path);
  call.route = route;
  if (!route) {
    call.policy = ctx.policies.forCall(call);
    return { body, filtered: false, outputRules: [], stripUsageChunk: false };
  }
  const scanner = { pool: ctx.scanPool ?? null, minBytes: ctx.config.scan.minBytes, hash: ctx.hashMatch };
  const { policy, judgement } = await scanRequest(scanner, route, body, (head) => {
    call.model = head.model;
    call.stream = head.stream;
    // The end user's id is often an e-mail address: the record keeps a keyed hash of it,
    // enough to tell one user's calls from another's.
    call.params = head.params && typeof head.params.user === 'string' ? userHashed(head.params, ctx.hashMatch) : head.params;
    call.expectsOutput = hasOutput(route);
    call.policy = ctx.policies.forCall(call);
    return call.policy;
  });
  call.inputSegments = judgement.segments ?? [];
  call.inputText = judgement.inputText;
  call.storedPrompt = judgement.storedPrompt;
  call.unscanned = judgement.unscanned;
  const verdict = judgement.verdict;
  if (verdict) {
    call.filterMs += verdict.ms;
    call.inputFindings = verdict.findings;
    // The names a call gives its tools and output schemas are read by the filters as text;
    // when they found something, the record keeps no names (they may be what was found).
    if (verdict.findings.length > 0 || (judgement.findingsJson ?? '[]') !== '[]') call.params = withoutNames(call.params);
    call.inputFindingsJson = judgement.findingsJson ?? null;
    call.raiseDecision(verdict.decision);
    if (verdict.decision === 'block') {
      throw new SidecarError(
        'content_filter',
        `The request was blocked by content policy (rules: ${verdict.blockedBy.join(', ')}).`,
        null,
        { rules: verdict.blockedBy, policy_version: policy.version, request_id: call.id },
      );
    }
  }
  const outputRules = policy.rules.filter((r) => r.phases.includes('output'));
  return { body: judgement.forward, filtered: true, outputRules, stripUsageChunk: judgement.stripUsageChunk };
}

/**
 * Strict mode (AUDIT_REQUIRED): the response's last bytes wait until its record is durable
 * in the spool, so a client never holds an answer the audit log could lose.
 */
function holdLastBytes(ctx: AppContext, call: Call, res: ServerResponse): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    void record(ctx, call, res, true).finally(() => end(...args));
    return res;
  }) as ServerResponse['end'];
}

function fail(res: ServerResponse, call: Call, err: unknown): void {
  const e = err instanceof SidecarError ? err : new SidecarError('internal_error', 'Internal error in the sidecar.');
  call.errorCode = e.code;
  if (!res.headersSent) res.setHeader('x-sidecar-decision', call.decision);
  sendError(res, e);
}

/**
 * The logger of the one line per call. Its fields are fixed above and none can hold a
 * credential, so it skips the redaction pass (most of the cost of a log line): the
 * credential paths it looks for are never there.
 */
const callLogs = new WeakMap<AppContext['logger'], AppContext['logger']>();
function callLog(ctx: AppContext): AppContext['logger'] {
  let log = callLogs.get(ctx.logger);
  if (!log) {
    log = ctx.logger.child({}, { redact: [] });
    callLogs.set(ctx.logger, log);
  }
  return log;
}

/** Builds and writes the call's record; shutdown waits for it (ctx.recording). */
function record(ctx: AppContext, call: Call, res: ServerResponse, completing = false): Promise<void> {
  const done = writeRecord(ctx, call, res, completing);
  const pending = ctx.recording;
  if (pending) {
    pending.add(done);
    void done.finally(() => pending.delete(done));
  }
  return done;
}

async function writeRecord(ctx: AppContext, call: Call, res: ServerResponse, completing: boolean): Promise<void> {
  try {
    const rec = await call.finish(res, ctx.config.audit.maxTextChars, completing);
    if (!rec) return;
    // The spool counts and logs what it cannot keep. Strict mode waits for durability.
    const durable = ctx.audit.write(rec, ctx.config.audit.required).catch(() => undefined);
    if (ctx.config.audit.required) await durable;
    ctx.metrics.requests.inc({ route: rec.route ?? 'other', model: modelLabel(rec.model), status: String(rec.status), decision: rec.decision });
    if (rec.ttfbMs !== null) ctx.metrics.upstreamSeconds.observe({ route: rec.route ?? 'other' }, rec.ttfbMs / 1000);
    if (rec.filterMs !== null) ctx.metrics.filterSeconds.observe({ phase: 'all' }, rec.filterMs / 1000);
    callLog(ctx).info(
      {
        requestId: call.id,
        method: rec.method,
        path: rec.path,
        status: rec.status,
        upstreamStatus: rec.upstreamStatus,
        ms: Math.round(rec.durationMs * 10) / 10,
        decision: rec.decision,
        errorCode: rec.errorCode ?? undefined,
      },
      'call',
    );
  } catch (err) {
    ctx.logger.error({ err, requestId: call.id }, 'could not build the audit record');
  }
}

function userHashed(params: Record<string, unknown>, hash: (text: string) => string): Record<string, unknown> {
  const { user, ...rest } = params;
  return { ...rest, user_hash: hash(String(user)) };
}

/** Parameters without the names a client chose (tools, tool choice, output formats). */
function withoutNames(params: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!params) return params;
  const out: Record<string, unknown> = { ...params };
  if (Array.isArray(out.tools)) out.tools = `${out.tools.length} tool(s)`;
  if (out.tool_choice !== undefined && typeof out.tool_choice !== 'string') out.tool_choice = '(named)';
  for (const key of ['response_format', 'text'] as const) {
    const v = out[key];
    if (typeof v === 'object' && v !== null) out[key] = JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'name' ? '(name)' : x))) as unknown;
  }
  return out;
}
