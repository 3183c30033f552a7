import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../../src/http/proxy/retry.js';

const policy = { on: [429, 503], maxAttempts: 3, maxWaitMs: 5_000 };

describe('retryDelay', () => {
  it('retries only listed statuses, up to the attempt limit', () => {
    expect(retryDelay(policy, 500, 1)).toBeNull();
    expect(retryDelay(policy, 429, 3)).toBeNull();
    expect(retryDelay(policy, 429, 1, {}, 0, () => 0.5)).toBe(100);
    expect(retryDelay(policy, 503, 2, {}, 0, () => 1)).toBe(400);
  });

  it('honours retry-after-ms, Retry-After seconds and dates, within the cap', () => {
    expect(retryDelay(policy, 429, 1, { 'retry-after-ms': '250' })).toBe(250);
    expect(retryDelay(policy, 429, 1, { 'retry-after': '2' })).toBe(2000);
    expect(retryDelay(policy, 429, 1, { 'retry-after': '60' })).toBeNull();
    const now = Date.parse('2026-11-25T00:00:00Z');
    expect(retryDelay(policy, 429, 1, { 'retry-after': 'Wed, 25 Nov 2026 00:00:03 GMT' }, now)).toBe(3000);
  });
});
