// The load generator: node:http with a keep-alive Agent. One Client per target (direct to
// the stand-in, or through the sidecar) so both are driven by exactly the same code.
import http from 'node:http';
import { Samples } from './stats.js';

export interface BenchRequest {
  /** Appended to the client's base path, e.g. `/chat/completions`. */
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface BenchResponse {
  /** 0 when no response arrived (error or abort). */
  readonly status: number;
  /** Request start to the end of the body. */
  readonly ms: number;
  /** Request start to the response headers. */
  readonly headersMs: number;
  /** Request start to the first body byte (NaN without a body). */
  readonly firstByteMs: number;
  /** Request start to the first chunk matching `SendOptions.marker` (NaN if none did). */
  readonly markerMs: number;
  readonly bytes: number;
  readonly decision: string | null;
  /** The last bytes of the body (for checking a stream ended with `[DONE]`). */
  readonly tail: string;
  readonly aborted: boolean;
  readonly error: string | null;
}

export interface SendOptions {
  /** Destroy the request this long after it started (a client abort). */
  readonly abortAfterMs?: number;
  /** Give up after this long (counted as an error), default 120 s. */
  readonly timeoutMs?: number;
  /** Note when a body chunk first matches this, e.g. the first non-empty text delta. */
  readonly marker?: RegExp;
}

export class Client {
  readonly agent: http.Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #basePath: string;

  constructor(
    readonly name: string,
    base: string,
    connections: number,
  ) {
    const url = new URL(base);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
  }

  send(req: BenchRequest, opts: SendOptions = {}): Promise<BenchResponse> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      let headersMs = Number.NaN;
      let firstByteMs = Number.NaN;
      let markerMs = Number.NaN;
      let status = 0;
      let bytes = 0;
      let decision: string | null = null;
      let tail = '';
      let settled = false;
      let aborted = false;
      const timers: NodeJS.Timeout[] = [];
      const done = (error: string | null) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        resolve({ status, ms: performance.now() - t0, headersMs, firstByteMs, markerMs, bytes, decision, tail, aborted, error });
      };
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body) {
        headers['content-type'] ??= 'application/json';
        headers['content-length'] = req.body.length;
      }
      const r = http.request(
        { agent: this.agent, host: this.#host, port: this.#port, method: req.method ?? 'POST', path: this.#basePath + req.path, headers },
        (res) => {
          headersMs = performance.now() - t0;
          status = res.statusCode ?? 0;
          const d = res.headers['x-sidecar-decision'];
          decision = typeof d === 'string' ? d : null;
          res.on('data', (chunk: Buffer) => {
            if (bytes === 0) firstByteMs = performance.now() - t0;
            if (opts.marker && Number.isNaN(markerMs) && opts.marker.test(chunk.toString('utf8'))) markerMs = performance.now() - t0;
            bytes += chunk.length;
            tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 64))).slice(-64);
          });
          res.on('end', () => done(null));
          res.on('error', (err) => done(aborted ? 'aborted' : err.message));
          res.on('close', () => done(aborted ? 'aborted' : 'response closed early'));
        },
      );
      r.on('error', (err) => done(aborted ? 'aborted' : err.message));
      if (opts.abortAfterMs !== undefined) {
        timers.push(
          setTimeout(() => {
            aborted = true;
            r.destroy();
          }, opts.abortAfterMs),
        );
      }
      timers.push(setTimeout(() => r.destroy(new Error('client timeout')), opts.timeoutMs ?? 120_000));
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoopResult {
  readonly completed: number;
  /** Calls that did not end in a 2xx with a body. */
  readonly failed: number;
  readonly firstError: string | null;
  readonly elapsedMs: number;
  readonly latencies: Samples;
  readonly decisions: Map<string, number>;
}

/**
 * Closed loop: `connections` workers, each sending its next call as soon as the previous
 * one ends, until `durationMs` has passed (or `maxCalls` were sent).
 */
export async function closedLoop(
  client: Client,
  make: (i: number) => BenchRequest,
  opts: { readonly connections: number; readonly durationMs: number; readonly maxCalls?: number },
): Promise<LoopResult> {
  const latencies = new Samples();
  const decisions = new Map<string, number>();
  const maxCalls = opts.maxCalls ?? Number.MAX_SAFE_INTEGER;
  let sent = 0;
  let completed = 0;
  let failed = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  const worker = async () => {
    while (performance.now() < deadline && sent < maxCalls) {
      const r = await client.send(make(sent++));
      if (r.status >= 200 && r.status < 300 && r.error === null) {
        completed++;
        latencies.add(r.ms);
      } else {
        failed++;
        firstError ??= r.error ?? `HTTP ${r.status}`;
      }
      if (r.decision) decisions.set(r.decision, (decisions.get(r.decision) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  return { completed, failed, firstError, elapsedMs: performance.now() - t0, latencies, decisions };
}

export interface OpenLoopCall {
  readonly req: BenchRequest;
  readonly abortAfterMs?: number;
}

export interface OpenLoopResult {
  readonly sent: number;
  /** Calls not sent because `maxInflight` were already waiting (the target fell behind). */
  readonly skipped: number;
  readonly elapsedMs: number;
}

/**
 * Open loop: calls start at a fixed rate whatever the latency (as real traffic does), up
 * to `maxInflight` at once. `onResult` sees every response.
 */
export async function openLoop(
  client: Client,
  make: (i: number) => OpenLoopCall,
  opts: {
    readonly rate: number;
    readonly durationMs: number;
    readonly maxInflight: number;
    readonly onResult: (r: BenchResponse, call: OpenLoopCall) => void;
    readonly shouldStop?: () => boolean;
  },
): Promise<OpenLoopResult> {
  const t0 = performance.now();
  let sent = 0;
  let skipped = 0;
  let inflight = 0;
  const pending = new Set<Promise<void>>();
  while (true) {
    const now = performance.now();
    if (now - t0 >= opts.durationMs || opts.shouldStop?.()) break;
    const due = Math.floor(((now - t0) / 1000) * opts.rate) - sent - skipped;
    for (let k = 0; k < due; k++) {
      if (inflight >= opts.maxInflight) {
        skipped++;
        continue;
      }
      const call = make(sent++);
      inflight++;
      const p: Promise<void> = client.send(call.req, { abortAfterMs: call.abortAfterMs }).then((r) => {
        inflight--;
        pending.delete(p);
        opts.onResult(r, call);
      });
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  return { sent, skipped, elapsedMs: performance.now() - t0 };
}
