// The proxy's request path: read the body once (size-capped), pull out every text
// segment, judge it under the policies that govern this call, then forward through
// http-proxy-middleware with the bytes we hold (re-serialised only when a filter changed
// them). The record is written when the response closes, whatever the outcome.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { createProxyMiddleware, proxyEventsPlugin } from 'http-proxy-middleware';
import type { AppContext } from '../../context.js';
import { SidecarError } from '../../errors.js';
import type { CompiledRule } from '../../filters/types.js';
import { classifyRoute, hasOutput } from '../../openai/routes.js';
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
  /** Attempts made so far (1 for the first call). */
  attempt: number;
  /** req.url before the proxy rewrote it, restored for a retry. */
  readonly url: string;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function createProxyHandler(ctx: AppContext) {
  const inflight = new WeakMap<IncomingMessage, Inflight>();
  const { limits } = ctx.config;
  const proxy = ctx.upstream ? buildProxy(ctx, inflight) : null;

  function arm(st: Inflight, kind: Inflight['timeout'] & string, ms: number): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timeout = kind;
      st.proxyReq?.destroy(new Error(`upstream ${kind} timeout`));
    }, ms);
  }

  return async function proxyCall(req: Request, res: Response): Promise<void> {
    const subPath = req.path.slice(3) || '/';
    const call = new Call(req, subPath);
    res.setHeader('x-request-id', call.responseRequestId);
    res.setHeader('x-sidecar-request-id', call.id);
    res.setHeader('x-sidecar-decision', 'allow');
    res.once('close', () => {
      const st = inflight.get(req);
      if (st?.timer) clearTimeout(st.timer);
      if (!res.writableFinished) {
        // The client left or the response broke: stop the upstream call, and make sure the
        // connection is gone (a half-written response can never be reused).
        st?.proxyReq?.destroy();
        req.socket.destroy();
      }
      void record(ctx, call, res);
    });

    if (ctx.config.audit.required) {
      if (!ctx.audit.accepting()) {
        fail(res, call, new SidecarError('audit_unavailable', 'The audit log cannot take records right now; the call was not forwarded.'));
        return;
      }
      holdLastBytes(ctx, call, res);
    }
    try {
      const prepared = await prepare(ctx, req, call);
      if (!proxy || !ctx.upstream) throw new SidecarError('upstream_not_configured', 'No upstream is configured (UPSTREAM_URL).');
      const st: Inflight = { call, ...prepared, proxyReq: null, timeout: null, timer: null, attempt: 0, url: req.url };
      inflight.set(req, st);
      await forward(st, req, res);
    } catch (err) {
      fail(res, call, err);
      if (err instanceof SidecarError && err.code === 'request_too_large') {
        // Stop reading the rest of an oversized upload: close once the 413 is out.
        res.setHeader('connection', 'close');
        res.once('finish', () => req.socket.destroy());
      }
    }
  };

  async function forward(st: Inflight, req: IncomingMessage, res: ServerResponse): Promise<void> {
    st.attempt++;
    st.timeout = null;
    st.proxyReq = null;
    req.url = st.url;
    arm(st, 'response', limits.upstreamTimeoutMs);
    await proxy!(req, res, (err?: unknown) => {
      if (err) fail(res, st.call, err);
    });
  }

  /** Schedules another attempt if the retry policy allows one; true when it did. */
  function retried(st: Inflight, req: IncomingMessage, res: ServerResponse, status: number, headers?: http.IncomingHttpHeaders): boolean {
    const delay = retryDelay(ctx.config.retry, status, st.attempt, headers);
    if (delay === null || res.headersSent || res.destroyed) return false;
    if (st.timer) clearTimeout(st.timer);
    st.call.retries++;
    ctx.logger.debug({ requestId: st.call.id, status, attempt: st.attempt, delay }, 'retrying upstream call');
    setTimeout(() => {
      if (!res.destroyed) void forward(st, req, res);
    }, delay);
    return true;
  }

  function buildProxy(ctx: AppContext, inflight: WeakMap<IncomingMessage, Inflight>) {
    const upstream = ctx.upstream!;
    const basePath = upstream.url.pathname.replace(/\/+$/, '');
    return createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: upstream.url.origin,
      changeOrigin: true,
      agent: upstream.agent,
      selfHandleResponse: true,
      xfwd: false,
      ejectPlugins: true,
      plugins: [proxyEventsPlugin],
      pathRewrite: (path) => basePath + path.replace(/^\/v1/, ''),
      on: {
        proxyReq(proxyReq, req) {
          const st = inflight.get(req);
          if (!st) return;
          st.proxyReq = proxyReq;
          for (const h of HOP_BY_HOP) proxyReq.removeHeader(h);
          for (const h of connectionTokens(req.headers.connection)) proxyReq.removeHeader(h);
          proxyReq.removeHeader('x-sidecar-request-id');
          if (!req.headers['x-request-id']) proxyReq.setHeader('x-request-id', st.call.id);
          // Filtered responses are parsed: ask for them uncompressed.
          if (st.filtered) proxyReq.setHeader('accept-encoding', 'identity');
          proxyReq.on('socket', (socket) => {
            if (!socket.connecting) return;
            const t = setTimeout(() => {
              st.timeout = 'connect';
              proxyReq.destroy(new Error('upstream connect timeout'));
            }, ctx.config.limits.upstreamConnectTimeoutMs);
            socket.once('connect', () => clearTimeout(t));
            socket.once('close', () => clearTimeout(t));
          });
          if (st.body) {
            proxyReq.setHeader('content-length', st.body.length);
            proxyReq.write(st.body);
          } else if (req.method !== 'GET' && req.method !== 'HEAD') {
            proxyReq.setHeader('content-length', 0);
          }
        },
        proxyRes(proxyRes, req, res) {
          const st = inflight.get(req);
          if (!st) return;
          if (retried(st, req, res, proxyRes.statusCode ?? 502, proxyRes.headers)) {
            proxyRes.resume(); // drop this answer's body; the next attempt answers
            return;
          }
          const idle = () => arm(st, 'idle', ctx.config.limits.upstreamIdleTimeoutMs);
          idle();
          respond(ctx, { call: st.call, outputRules: st.outputRules, stripUsageChunk: st.stripUsageChunk, onActivity: idle }, proxyRes, res);
          proxyRes.once('end', () => st.timer && clearTimeout(st.timer));
        },
        error(err, req, res) {
          const st = inflight.get(req as IncomingMessage);
          const call = st?.call;
          const out = res as ServerResponse;
          if (!call) return out.destroy();
          if (out.writableEnded) return; // we ended it ourselves (a filter stopped the stream)
          if (st.timeout === 'idle' || out.headersSent) {
            call.errorCode ??= st.timeout === 'idle' ? 'upstream_timeout' : 'upstream_disconnected';
            return out.destroy();
          }
          if (st.timeout === 'response' || st.timeout === 'connect') {
            return fail(out, call, new SidecarError('upstream_timeout', st.timeout === 'connect' ? 'The upstream did not accept the connection in time.' : 'The upstream did not respond in time.'));
          }
          if (retried(st, req as IncomingMessage, out, 502)) return;
          const code = (err as NodeJS.ErrnoException).code ?? '';
          ctx.logger.warn({ requestId: call.id, code }, 'upstream unreachable');
          fail(out, call, new SidecarError('upstream_unreachable', CONNECTION_ERRORS.has(code) ? `The upstream could not be reached (${code}).` : 'The upstream could not be reached.'));
        },
      },
    });
  }
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
    call.params = head.params;
    call.expectsOutput = hasOutput(route);
    call.policy = ctx.policies.forCall(call);
    return call.policy;
  });
  call.inputSegments = judgement.segments;
  call.storedPrompt = judgement.storedPrompt;
  call.unscanned = judgement.unscanned;
  const verdict = judgement.verdict;
  if (verdict) {
    call.filterMs += verdict.ms;
    call.inputFindings = verdict.findings;
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

async function record(ctx: AppContext, call: Call, res: ServerResponse, completing = false): Promise<void> {
  try {
    const rec = await call.finish(res, ctx.config.audit.maxTextChars, completing);
    if (!rec) return;
    // The spool counts and logs what it cannot keep. Strict mode waits for durability.
    const durable = ctx.audit.write(rec, ctx.config.audit.required).catch(() => undefined);
    if (ctx.config.audit.required) await durable;
    ctx.metrics.requests.inc({ route: rec.route ?? 'other', model: modelLabel(rec.model), status: String(rec.status), decision: rec.decision });
    if (rec.ttfbMs !== null) ctx.metrics.upstreamSeconds.observe({ route: rec.route ?? 'other' }, rec.ttfbMs / 1000);
    if (rec.filterMs !== null) ctx.metrics.filterSeconds.observe({ phase: 'all' }, rec.filterMs / 1000);
    ctx.logger.info(
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
