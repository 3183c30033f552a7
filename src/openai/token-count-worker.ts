// The token counter's worker thread: o200k counts of the texts it is sent. The tokenizer's
// tables (about 21 MB of heap) live here, not in the main thread's heap, and counting a
// long text never holds the main thread's event loop.
import { parentPort } from 'node:worker_threads';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { CountJob, CountReply } from './token-counter.js';

const port = parentPort;
if (!port) throw new Error('token count worker: not started as a worker thread');

port.on('message', (job: CountJob) => {
  let reply: CountReply;
  try {
    reply = { id: job.id, ok: true, counts: job.texts.map((t) => (t === null ? null : countTokens(t))) };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
