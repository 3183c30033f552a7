import { describe, expect, it } from 'vitest';
import { SpoolLedger } from '../../../src/audit/spool/ledger.js';

describe('SpoolLedger', () => {
  it('keeps bytes, backlog and the oldest unshipped time as segments fill and ship', () => {
    let changes = 0;
    const ledger = new SpoolLedger(() => changes++);
    ledger.add(100, '/spool/a', { bytes: 500, entries: 5, at: 100, sealed: true }); // replayed
    ledger.add(200, '/spool/b', { bytes: 0, entries: 0, at: 200, sealed: false });
    ledger.committed(200, 300, 3, 10_000);
    ledger.committed(200, 100, 1, 10_500); // same second: folded into the last mark
    ledger.committed(200, 200, 2, 12_000);
    expect(ledger.bytes).toBe(1_100);
    expect(ledger.backlog).toBe(11);
    expect(ledger.oldestUnshippedAt()).toBe(100);

    ledger.shipped(100, 500, 5);
    expect(ledger.oldestUnshippedAt()).toBe(10_000); // shipped but not yet deleted: nothing unshipped in it
    ledger.remove(100);
    expect(ledger.bytes).toBe(600);
    ledger.shipped(200, 400, 4);
    expect(ledger.oldestUnshippedAt()).toBe(12_000);
    expect(ledger.backlog).toBe(2);
    ledger.shipped(200, 600, 2);
    expect(ledger.oldestUnshippedAt()).toBeNull();
    expect(ledger.bytes).toBe(600); // the open segment stays until it is sealed and deleted
    expect(changes).toBeGreaterThan(0);
  });

  it('tells when everything before a position is shipped', () => {
    const ledger = new SpoolLedger();
    ledger.add(1, '/a', { bytes: 100, entries: 1, at: 1, sealed: true });
    ledger.add(2, '/b', { bytes: 50, entries: 1, at: 2, sealed: false });
    const pos = ledger.tail()!;
    expect(pos).toEqual({ seq: 2, bytes: 50 });
    expect(ledger.shippedThrough(pos)).toBe(false);
    ledger.shipped(1, 100, 1);
    ledger.remove(1);
    expect(ledger.shippedThrough(pos)).toBe(false);
    ledger.committed(2, 70, 1, 3);
    ledger.shipped(2, 50, 1);
    expect(ledger.shippedThrough(pos)).toBe(true); // later entries are not part of that position
    expect(() => ledger.add(2, '/c', { bytes: 0, entries: 0, at: 4, sealed: false })).toThrow(/not after/);
  });
});
