// The request body as read once: the same bytes whichever way they arrive; a declared big
// body lands in one buffer that owns its memory (so it moves to a scan worker without a
// copy); the size limit is enforced whether the length is declared or not.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../../src/http/proxy/body.js';
import { transferable } from '../../../src/scan/transfer.js';

function request(chunks: readonly Buffer[], headers: Record<string, string>): IncomingMessage {
  const stream = Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

function bytes(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function split(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

describe('readBody', () => {
  it('reads a declared big body into one buffer that owns its memory', async () => {
    const body = bytes(300_000);
    const got = await readBody(request(split(body, 65_536), { 'content-length': String(body.length) }), 1_000_000);
    expect(got.equals(body)).toBe(true);
    expect(got.byteOffset).toBe(0);
    expect(got.buffer.byteLength).toBe(body.length);
    // So a transfer to a worker takes it as it is, without a copy.
    expect(transferable(got).buffer).toBe(got.buffer);
  });

  it('gives the same bytes for a chunked body, a small body, and one in odd pieces', async () => {
    const body = bytes(200_001, 3);
    const chunked = await readBody(request(split(body, 1_000), { 'transfer-encoding': 'chunked' }), 1_000_000);
    expect(chunked.equals(body)).toBe(true);
    const odd = await readBody(request(split(body, 7_777), { 'content-length': String(body.length) }), 1_000_000);
    expect(odd.equals(body)).toBe(true);
    const small = bytes(2_000);
    const one = await readBody(request([small], { 'content-length': '2000' }), 1_000_000);
    expect(one.equals(small)).toBe(true);
  });

  it('keeps every byte if more arrive than were declared', async () => {
    const body = bytes(150_000, 5);
    const got = await readBody(request(split(body, 65_536), { 'content-length': '100000' }), 1_000_000);
    expect(got.equals(body)).toBe(true);
  });

  it('refuses a body over the limit, declared or not', async () => {
    const body = bytes(300_000);
    await expect(readBody(request([body], { 'content-length': String(body.length) }), 100_000)).rejects.toMatchObject({ code: 'request_too_large' });
    await expect(readBody(request(split(body, 65_536), { 'transfer-encoding': 'chunked' }), 100_000)).rejects.toMatchObject({ code: 'request_too_large' });
    await expect(readBody(request(split(body, 65_536), { 'content-length': '100000' }), 200_000)).rejects.toMatchObject({ code: 'request_too_large' });
  });
});
