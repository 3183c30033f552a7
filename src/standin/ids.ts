// Identifiers shaped like OpenAI's (`req_…`, `chatcmpl-…`, `call_…`). A random per-process
// prefix plus a counter is unique within a run and costs one small string per id, where
// randomUUID/randomBytes per id would cost a syscall-backed buffer on the benchmark path.
import { randomBytes } from 'node:crypto';

const processTag = randomBytes(8).toString('hex');
let counter = 0;

function next(width: number): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return counter.toString(16).padStart(width, '0');
}

/** `req_` + 32 hex digits, like the `x-request-id` an OpenAI gateway sends. */
export function requestId(): string {
  return `req_${processTag}${next(16)}`;
}

/** A provider object id: `chatcmpl-…`, `cmpl-…`, `resp_…`, `msg_…`, `call_…`, `modr-…`. */
export function objectId(prefix: string): string {
  return `${prefix}${processTag.slice(0, 8)}${next(12)}`;
}

/** Unix seconds, as the `created` fields carry. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
