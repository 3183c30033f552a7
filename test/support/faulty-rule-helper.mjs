// The real rule helper (the compiled one in dist/), except that a run whose texts begin
// with `__helper_crash__` takes one rule and then kills the thread, as a crash in the
// middle of a scan would.
import { parentPort } from 'node:worker_threads';

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, event !== 'message' ? listener : (msg) => {
    if (msg.type === 'run' && Buffer.from(msg.texts, 0, 64).toString('utf16le').includes('__helper_crash__')) {
      Atomics.add(msg.claim, 0, 1);
      process.exit(1);
    }
    listener(msg);
  });

await import(new URL('../../dist/src/scan/rule-helper-worker.js', import.meta.url).href);
