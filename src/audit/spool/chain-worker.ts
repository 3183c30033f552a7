// The chain worker: builds the spool entry of a big record (a prompt or response of
// megabytes) off the main thread. It runs the very code the main thread runs (toRow, the
// hash chain's nextJson, the entry encoding) on a chain resumed at the position the main
// thread gives, so the entry and its hash are byte for byte what the main thread would
// have made; the main thread only adopts the new position and appends the bytes.
import { parentPort } from 'node:worker_threads';
import { HashChain } from '../chain.js';
import { toRow } from '../record.js';
import type { ChainJob, ChainReply } from './chain-offload.js';
import { encodeEntries, entrySize } from './entry-format.js';

const port = parentPort;
if (!port) throw new Error('chain worker: not started as a worker thread');

port.on('message', (job: ChainJob) => {
  let reply: ChainReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const chain = new HashChain(job.chainId, job.position ?? undefined);
    const json = chain.nextJson(toRow(job.record, job.maxTextChars));
    const entry = encodeEntries([json], entrySize(json));
    const position = chain.position()!;
    // An entry of more than a few KB owns its memory: it moves without a copy.
    const owned = entry.byteOffset === 0 && entry.byteLength === entry.buffer.byteLength;
    const out = owned ? new Uint8Array(entry.buffer, 0, entry.byteLength) : new Uint8Array(entry);
    transfer.push(out.buffer as ArrayBuffer);
    reply = { id: job.id, ok: true, entry: out, seq: position.seq, hash: position.hash };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, transfer);
});
