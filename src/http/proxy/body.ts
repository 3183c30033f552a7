// Reads a request body once, enforcing the size limit while it streams in: an oversized
// body is refused as soon as it crosses the limit, never buffered whole.
import type { IncomingMessage } from 'node:http';
import { SidecarError } from '../../errors.js';

/**
 * Declared bodies from this size up are read into one buffer allocated up front: no list
 * of chunks and no concatenation (a copy of the whole body), and the buffer owns its
 * memory, so it moves to a scan worker without a copy. Smaller ones mostly arrive in one
 * chunk, which is returned as it is.
 */
const PREALLOCATE_BYTES = 64 * 1024;

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // Without Transfer-Encoding the HTTP parser delivers at most Content-Length bytes.
  let whole = req.headers['transfer-encoding'] === undefined && Number.isInteger(declared) && declared >= PREALLOCATE_BYTES ? Buffer.allocUnsafeSlow(declared) : null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (whole && size + chunk.length > whole.length) {
      chunks.push(whole.subarray(0, size)); // more than declared after all: collect as chunks
      whole = null;
    }
    if (whole) chunk.copy(whole, size);
    else chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
  }
  if (whole) return size === whole.length ? whole : whole.subarray(0, size);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function tooLarge(maxBytes: number): SidecarError {
  return new SidecarError('request_too_large', `Request body exceeds the limit of ${maxBytes} bytes.`);
}

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
