// The real scan worker (the compiled one in dist/), with two faults a request can ask for
// in its body: `__scan_crash__` makes the worker die while parsing it, `__scan_stall__`
// keeps it busy forever (as a detector stuck in a loop would). Everything else is judged
// by the real code.
import { parentPort } from 'node:worker_threads';

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, event !== 'message' ? listener : (msg) => {
    if (msg.type === 'parse') {
      const text = Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength).toString('utf8');
      if (text.includes('__scan_crash__')) throw new Error('scan worker fault: crash');
      if (text.includes('__scan_stall__')) for (;;);
    }
    listener(msg);
  });

await import(new URL('../../dist/src/scan/worker.js', import.meta.url).href);
