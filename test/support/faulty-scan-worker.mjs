// The real scan worker (the compiled one in dist/), with faults a request can ask for in
// its body: `__scan_crash__` makes the worker die while parsing it, `__scan_stall__` keeps
// it busy forever (as a detector stuck in a loop would), `__scan_exit_before_stored__`
// makes it exit after it sent the judgement but before the record's prompt. Everything
// else is judged by the real code.
import { parentPort } from 'node:worker_threads';

const exitBeforeStored = new Set();
const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (msg, transfer) => {
  if (msg.type === 'stored' && exitBeforeStored.has(msg.id)) process.exit(1);
  post(msg, transfer);
};

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, event !== 'message' ? listener : (msg) => {
    if (msg.type === 'parse') {
      const text = Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength).toString('utf8');
      if (text.includes('__scan_crash__')) throw new Error('scan worker fault: crash');
      if (text.includes('__scan_stall__')) for (;;);
      if (text.includes('__scan_exit_before_stored__')) exitBeforeStored.add(msg.id);
    }
    listener(msg);
  });

await import(new URL('../../dist/src/scan/worker.js', import.meta.url).href);
