// The chain worker: builds the spool entry of a big record (a prompt or response of
// megabytes) off the main thread. It runs the very code the main thread runs (toRow, the
// hash chain's nextJson, the entry encoding) on a chain resumed at the position the main
// thread gives, so the entry and its hash are byte for byte what the main thread would
// have made; the main thread only adopts the new position and appends the bytes.
import { parentPort } from 'node:worker_threads';
import { HashChain } from '../chain.js';
import { toRow } from '../record.js';
import type { ChainJob, ChainReply, DecodeJob, OffloadJob } from './chain-offload.js';
import { decodeEntry, encodeEntries, entrySize } from './entry-format.js';
import { TEXT_BYTES_MIN_CHARS, TEXT_COLUMNS } from './ship-row.js';

const port = parentPort;
if (!port) throw new Error('chain worker: not started as a worker thread');

port.on('message', (job: OffloadJob) => {
  if (job.type === 'chain') chain(job);
  else decode(job);
});

/** A Uint8Array over the bytes that may be put in a transfer list (copied if it shares memory). */
function movable(buf: Uint8Array): Uint8Array {
  const owned = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer;
  return owned ? new Uint8Array(buf.buffer, 0, buf.byteLength) : new Uint8Array(buf);
}

function chain(job: ChainJob): void {
  let reply: ChainReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const chain = new HashChain(job.chainId, job.position ?? undefined);
    const json = chain.nextJson(toRow(job.record, job.maxTextChars));
    const entry = encodeEntries([json], entrySize(json));
    const position = chain.position()!;
    // An entry of more than a few KB owns its memory: it moves without a copy.
    const out = movable(entry);
    transfer.push(out.buffer as ArrayBuffer);
    reply = { id: job.id, ok: true, entry: out, seq: position.seq, hash: position.hash };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port!.postMessage(reply, transfer);
}

function decode(job: DecodeJob): void {
  let reply: ChainReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const row = decodeEntry(Buffer.from(job.line.buffer, job.line.byteOffset, job.line.byteLength)) as Record<string, unknown> | null;
    if (row && job.textAsBytes) {
      for (const col of TEXT_COLUMNS) {
        const v = row[col];
        if (typeof v !== 'string' || v.length < TEXT_BYTES_MIN_CHARS) continue;
        const bytes = movable(Buffer.from(v, 'utf8'));
        transfer.push(bytes.buffer as ArrayBuffer);
        row[col] = bytes;
      }
    }
    reply = { id: job.id, ok: true, row };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port!.postMessage(reply, transfer);
}
