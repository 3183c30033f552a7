// Moving bytes between threads without copying them: a Buffer that owns its whole
// ArrayBuffer is transferred (the sender's view becomes empty); one that shares memory
// (a slice of Node's small-buffer pool, a view into a bigger chunk) is copied first, so
// a transfer never takes memory that other buffers still use.

/** A Uint8Array whose `.buffer` may be put in a transfer list. */
export function transferable(buf: Uint8Array): Uint8Array {
  if (buf.buffer instanceof ArrayBuffer && buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) {
    return new Uint8Array(buf.buffer);
  }
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return copy;
}

/** The received bytes as a Buffer, without a copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
