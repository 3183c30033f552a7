// The keyed hash of matched text kept in findings: lets an auditor correlate two findings
// of the same secret, never recover it. The main thread and the scan workers share it.
import { createHmac } from 'node:crypto';
import type { HashFn } from '../filters/engine.js';

export function matchHasher(key: string): HashFn {
  return (matched) => createHmac('sha256', key).update(matched).digest('hex').slice(0, 16);
}
