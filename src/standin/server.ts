// The stand-in upstream: an OpenAI-compatible server on node:http for the demo, the
// integration tests and the benchmarks. Per request: record it, then apply the control
// headers in a fixed order (auth, hang, delay, simulated status), then route.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ControlError, defaultControls, parseControls, type Controls } from './controls.js';
import { badControl, incorrectKey, invalidJson, invalidUrl, missingKey, simulated, type ErrorReply } from './errors.js';
import { sleep, type Exchange } from './exchange.js';
import { requestId } from './ids.js';
import { sendError } from './respond.js';
import { findRoute } from './routes/index.js';

export interface StandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Delay between SSE events, default 0; `x-standin-chunk-delay-ms` overrides it per request. */
  chunkDelayMs?: number;
  /** When set, requests without `Authorization: Bearer <requireKey>` get OpenAI's 401. */
  requireKey?: string;
  /** How many recent requests `requests` keeps, default 200; 0 records none (benchmarks). */
  maxRecorded?: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query exactly as received, e.g. `/v1/models?limit=2`. */
  readonly url: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** As Node parsed them (lower-case names), Authorization included: tests check it. */
  readonly headers: IncomingHttpHeaders;
  /** The raw body, UTF-8 decoded. */
  readonly body: string;
  readonly receivedAt: Date;
}

export interface Standin {
  /** Root including `/v1`, e.g. `http://127.0.0.1:PORT/v1`: an `UPSTREAM_URL` or SDK `baseURL`. */
  readonly url: string;
  readonly port: number;
  /** The most recent requests, oldest first. */
  readonly requests: RecordedRequest[];
  /** Stops listening and destroys open sockets (keep-alive, stalled and hung ones too). */
  close(): Promise<void>;
  /** Forgets the recorded requests. */
  reset(): void;
}

const DEFAULT_RECORDED = 200;
/** Longer than any client's idle timeout, so a pooled socket is never closed under a request. */
const KEEP_ALIVE_MS = 65_000;
/** Room for long `x-standin-reply` values. */
const MAX_HEADER_BYTES = 64 * 1024;
const FALLBACK_MODEL = 'gpt-4o-mini';

interface Settings {
  readonly chunkDelayMs: number;
  readonly requireKey: string | undefined;
  readonly maxRecorded: number;
  readonly requests: RecordedRequest[];
}

function record(settings: Settings, req: IncomingMessage, path: string, body: string): void {
  if (settings.maxRecorded === 0) return;
  const { requests } = settings;
  requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', path, headers: req.headers, body, receivedAt: new Date() });
  if (requests.length > settings.maxRecorded) requests.splice(0, requests.length - settings.maxRecorded);
}

/** The 401 to send, or null when the key is right. */
function checkKey(expected: string, authorization: string | undefined): ErrorReply | null {
  if (authorization === `Bearer ${expected}`) return null;
  if (!authorization) return missingKey();
  return incorrectKey(authorization.replace(/^Bearer\s+/i, ''));
}

/** Best effort, for the model named in a simulated error message. */
function modelOf(raw: string): string {
  try {
    const parsed: unknown = JSON.parse(raw);
    const model = (parsed as { model?: unknown } | null)?.model;
    return typeof model === 'string' ? model : FALLBACK_MODEL;
  } catch {
    return FALLBACK_MODEL;
  }
}

function parseObject(raw: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function serve(settings: Settings, req: IncomingMessage, res: ServerResponse, raw: string, startedAt: number): Promise<void> {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  record(settings, req, pathname, raw);

  let controls: Controls;
  let controlError: string | null = null;
  try {
    controls = parseControls(req.headers);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    controls = defaultControls();
    controlError = err.message;
  }
  const ex: Exchange = {
    req,
    res,
    path: pathname.startsWith('/v1/') ? pathname.slice(3) : pathname,
    controls,
    startedAt,
    requestId: requestId(),
    chunkDelayMs: controls.chunkDelayMs ?? settings.chunkDelayMs,
    closed: res.destroyed,
  };
  res.once('close', () => {
    ex.closed = true;
  });

  if (controlError !== null) return sendError(ex, badControl(controlError));
  if (settings.requireKey !== undefined) {
    const denied = checkKey(settings.requireKey, req.headers.authorization);
    if (denied) return sendError(ex, denied);
  }
  if (controls.hang) return; // never answered: the client's abort or close() ends it
  await sleep(ex, controls.delayMs);
  if (ex.closed) return;
  if (controls.status !== null) {
    const retry = controls.status === 429 || controls.status === 503;
    const extra = retry
      ? { 'retry-after': String(controls.retryAfterSeconds), 'retry-after-ms': String(controls.retryAfterSeconds * 1000) }
      : undefined;
    return sendError(ex, simulated(controls.status, modelOf(raw)), extra);
  }

  const route = pathname.startsWith('/v1/') ? findRoute(method, ex.path) : undefined;
  if (!route) return sendError(ex, invalidUrl(method, pathname));
  let body: Record<string, unknown> = {};
  if (route.json) {
    const parsed = parseObject(raw);
    if (parsed === null) return sendError(ex, invalidJson());
    body = parsed;
  }
  await route.handle(ex, body);
}

/** A bug in a route: answer 500 if still possible, else cut the connection. */
function fail(res: ServerResponse, err: unknown): void {
  console.error('stand-in upstream: unexpected error', err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message: 'stand-in upstream bug', type: 'server_error', param: null, code: null } });
  res.writeHead(500, { 'content-type': 'application/json' }).end(body);
}

export async function startStandin(opts: StandinOptions = {}): Promise<Standin> {
  const settings: Settings = {
    chunkDelayMs: opts.chunkDelayMs ?? 0,
    requireKey: opts.requireKey,
    maxRecorded: opts.maxRecorded ?? DEFAULT_RECORDED,
    requests: [],
  };
  const host = opts.host ?? '127.0.0.1';

  const server = createServer({ noDelay: true, maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    // A client that aborts mid-upload makes `req` emit an error; with no listener it would
    // crash the process. The response's close handling covers everything else.
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      serve(settings, req, res, raw, startedAt).catch((err: unknown) => fail(res, err));
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    requests: settings.requests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
    reset: () => {
      settings.requests.length = 0;
    },
  };
}
