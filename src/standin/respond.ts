// Writing responses the way a gateway does (request id, processing time, content types),
// with the per-request faults (stall, drop) applied in one place for JSON and SSE alike.
import type { OutgoingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ErrorReply } from './errors.js';
import { drained, sleep, type Exchange } from './exchange.js';

const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream; charset=utf-8';
/** Request headers whose values never leave the stand-in, even when echoing. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'api-key', 'x-api-key']);
/** Characters Node refuses in an outgoing header value. */
const INVALID_HEADER_CHARS = /[^\t\x20-\x7e\x80-\xff]/g;

function headers(ex: Exchange, contentType: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    'content-type': contentType,
    'x-request-id': ex.requestId,
    'openai-processing-ms': String(Math.round(performance.now() - ex.startedAt)),
    'openai-version': '2020-10-01',
  };
  if (ex.controls.echoHeaders) out['x-standin-received-headers'] = echoed(ex);
  return out;
}

/** JSON of the request headers, credentials replaced, so a test can see what arrived. */
function echoed(ex: Exchange): string {
  const seen: Record<string, string> = {};
  for (const [name, value] of Object.entries(ex.req.headers)) {
    if (value === undefined) continue;
    seen[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return JSON.stringify(seen).replace(INVALID_HEADER_CHARS, '?');
}

/** Errors are the fault being simulated: no stall or drop on top of them. */
export function sendError(ex: Exchange, error: ErrorReply, extra?: OutgoingHttpHeaders): void {
  if (ex.closed) return;
  const payload = Buffer.from(JSON.stringify(error.body));
  const h = headers(ex, JSON_TYPE);
  h['content-length'] = payload.length;
  ex.res.writeHead(error.status, extra ? { ...h, ...extra } : h);
  ex.res.end(payload);
}

export function sendJson(ex: Exchange, body: unknown): void {
  if (ex.closed) return;
  const payload = Buffer.from(JSON.stringify(body));
  const h = headers(ex, JSON_TYPE);
  h['content-length'] = payload.length;
  const { res, controls } = ex;
  res.writeHead(200, h);
  if (controls.stallAfter !== null) {
    res.flushHeaders(); // headers out, body never: the client waits until it gives up
    return;
  }
  if (controls.drop) {
    // Half the promised bytes, then the connection dies: the client sees a truncated body.
    res.write(payload.subarray(0, payload.length >> 1), () => res.destroy());
    return;
  }
  res.end(payload);
}

/** One SSE event; `event:` is set for the Responses API, which names its events. */
export function sseEvent(data: unknown, event?: string): string {
  const json = JSON.stringify(data);
  return event === undefined ? `data: ${json}\n\n` : `event: ${event}\ndata: ${json}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Streams pre-serialised events. With no delay they are corked into one socket write (one
 * HTTP chunk per event, as a gateway flushes them); with a delay, they go one by one and
 * the loop stops as soon as the client disconnects.
 */
export async function sendSse(ex: Exchange, events: readonly string[]): Promise<void> {
  if (ex.closed) return;
  const { res, controls } = ex;
  const h = headers(ex, SSE_TYPE);
  h['cache-control'] = 'no-cache';
  res.writeHead(200, h);

  const dropAt = controls.drop ? Math.ceil(events.length / 2) : Number.POSITIVE_INFINITY;
  const limit = Math.min(events.length, controls.stallAfter ?? Number.POSITIVE_INFINITY, dropAt);
  const dropping = limit === dropAt;
  if (limit === 0) res.flushHeaders();

  if (ex.chunkDelayMs === 0) {
    res.cork();
    for (let i = 0; i < limit; i++) {
      if (dropping && i === limit - 1) res.write(events[i]!, () => res.destroy());
      else res.write(events[i]!);
    }
    res.uncork();
  } else {
    for (let i = 0; i < limit; i++) {
      if (i > 0) await sleep(ex, ex.chunkDelayMs);
      if (ex.closed) return;
      if (dropping && i === limit - 1) res.write(events[i]!, () => res.destroy());
      else if (!res.write(events[i]!)) await drained(ex);
    }
  }
  // Stalled (or dropping): leave the response open; the socket's close ends it.
  if (limit === events.length && !dropping) res.end();
}
