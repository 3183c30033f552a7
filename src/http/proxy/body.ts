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

/**
 * The whole body. Rejects with `request_too_large` as soon as the body crosses the limit
 * (the rest of the upload is then read and dropped, never kept: the caller answers 413 and
 * closes the connection; destroying the request here would reset the socket before the
 * 413 is out), or with the stream's error when it fails or closes before its end. Plain
 * listeners: an async iterator costs promises and an end-of-stream watcher per call.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  if (req.destroyed) return Promise.reject(closedEarly());
  return new Promise((resolve, reject) => {
    // Without Transfer-Encoding the HTTP parser delivers at most Content-Length bytes. The
    // buffer is allocated when the first bytes arrive, not on the declaration alone.
    const preallocate = req.headers['transfer-encoding'] === undefined && Number.isInteger(declared) && declared >= PREALLOCATE_BYTES;
    let whole: Buffer | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err: Error | null, body?: Buffer): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(body!);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > maxBytes) {
        settle(tooLarge(maxBytes));
        req.resume(); // drop the rest of the upload
        return;
      }
      if (preallocate && whole === null && size === 0 && chunks.length === 0) whole = Buffer.allocUnsafeSlow(declared);
      if (whole && size + chunk.length > whole.length) {
        chunks.push(whole.subarray(0, size)); // more than declared after all: collect as chunks
        whole = null;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = (): void => {
      if (whole) settle(null, size === whole.length ? whole : whole.subarray(0, size));
      else settle(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => settle(err);
    // 'close' follows 'end', whose settle() removed this listener: here it came first.
    const onClose = (): void => settle(closedEarly());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(maxBytes: number): SidecarError {
  return new SidecarError('request_too_large', `Request body exceeds the limit of ${maxBytes} bytes.`);
}

function closedEarly(): Error {
  return new Error('the request closed before its body was read');
}

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
