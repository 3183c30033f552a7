import { describe, expect, it } from 'vitest';
import { keyFingerprint, uuidv7, uuidv7Time, UUID_RE } from '../../../src/ids.js';

describe('uuidv7', () => {
  it('is a version 7, variant 1 UUID carrying its millisecond', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = uuidv7(now);
    expect(id).toMatch(UUID_RE);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(uuidv7Time(id)).toBe(now);
  });

  it('sorts in creation order within one millisecond', () => {
    const now = Date.now() + 10_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('keyFingerprint', () => {
  it('is 12 hex characters, stable, and never the key', () => {
    const fp = keyFingerprint('Bearer sk-abc');
    expect(fp).toMatch(/^[0-9a-f]{12}$/);
    expect(keyFingerprint('sk-abc')).toBe(fp);
    expect(keyFingerprint('Bearer sk-abd')).not.toBe(fp);
    expect(keyFingerprint(undefined)).toBeNull();
    expect(keyFingerprint('Bearer ')).toBeNull();
  });
});
