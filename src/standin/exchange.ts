// One request in flight: what the routes get, and the waits that must end when the client
// goes away (so a stalled or delayed response never outlives its socket).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Controls } from './controls.js';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path under `/v1`, without the query, e.g. `/chat/completions`. */
  readonly path: string;
  readonly controls: Controls;
  /** `performance.now()` when the request arrived, for `openai-processing-ms`. */
  readonly startedAt: number;
  readonly requestId: string;
  /** Delay between SSE events: the request's override, else the server's default. */
  readonly chunkDelayMs: number;
  /** Set when the response finished or its connection closed. */
  closed: boolean;
}

/** Resolves after `ms`, or as soon as the client goes away; never rejects. */
export function sleep(ex: Exchange, ms: number): Promise<void> {
  if (ms <= 0 || ex.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      ex.res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ex.res.once('close', done);
  });
}

/** Resolves when the socket can take more data, or the client went away. */
export function drained(ex: Exchange): Promise<void> {
  if (ex.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      ex.res.off('drain', done);
      ex.res.off('close', done);
      resolve();
    };
    ex.res.once('drain', done);
    ex.res.once('close', done);
  });
}
