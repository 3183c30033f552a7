// Search windows: newest first, an hour then four times the last, contiguous and
// half-open, the last reaching back to `from` or the oldest record; the cursor's
// millisecond stays inside.
import { describe, expect, it } from 'vitest';
import type { AuditFilter } from '../../../src/audit/queries.js';
import { LIST_SPANS } from '../../../src/audit/list.js';
import { searchWindows, timeWindows } from '../../../src/audit/search.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-12-01T00:00:00Z');
const days = (n: number) => new Date(NOW.getTime() - n * DAY);
const hours = (n: number) => new Date(NOW.getTime() - n * HOUR);

function windows(filter: AuditFilter, cursor: { receivedAt: Date; id: string } | null, oldest: Date) {
  return [...searchWindows(filter, cursor, oldest, NOW)].map((w) => [w.from?.toISOString() ?? null, w.to?.toISOString() ?? null]);
}

describe('searchWindows', () => {
  it('starts with the last hour, grows fourfold, and ends at the oldest record', () => {
    expect(windows({ q: 'x' }, null, days(20))).toEqual([
      [hours(1).toISOString(), null],
      [hours(5).toISOString(), hours(1).toISOString()],
      [hours(21).toISOString(), hours(5).toISOString()],
      [hours(85).toISOString(), hours(21).toISOString()],
      [hours(341).toISOString(), hours(85).toISOString()],
      [null, hours(341).toISOString()],
    ]);
  });

  it('keeps to from and to, and carries the other filters', () => {
    const w = [...searchWindows({ q: 'x', model: ['m'], from: days(2), to: days(0.5) }, null, days(30), NOW)];
    expect(w.map((f) => [f.from?.toISOString(), f.to?.toISOString()])).toEqual([
      [hours(13).toISOString(), hours(12).toISOString()],
      [hours(17).toISOString(), hours(13).toISOString()],
      [hours(33).toISOString(), hours(17).toISOString()],
      [days(2).toISOString(), hours(33).toISOString()],
    ]);
    expect(w.every((f) => f.q === 'x' && f.model?.[0] === 'm')).toBe(true);
  });

  it('starts at the cursor, its own millisecond included', () => {
    const at = days(10);
    const [first] = windows({ q: 'x' }, { receivedAt: at, id: '0190a7a0-0000-7000-8000-000000000000' }, days(40));
    expect(first).toEqual([new Date(at.getTime() + 1 - HOUR).toISOString(), new Date(at.getTime() + 1).toISOString()]);
  });

  it('is one window when everything is newer than an hour', () => {
    expect(windows({ q: 'x' }, null, hours(0.5))).toEqual([[null, null]]);
  });
});

describe('timeWindows (the plain list)', () => {
  const span = (filter: AuditFilter, lastSpanMs: number) =>
    [...timeWindows(filter, null, filter.from?.getTime() ?? -Infinity, NOW, { firstMs: HOUR, lastMs: lastSpanMs })].map((w) => [w.from?.toISOString() ?? null, w.to?.toISOString() ?? null]);

  it('with no lower bound, ends with an open window once the span cap is reached', () => {
    expect(span({}, 64 * HOUR)).toEqual([
      [hours(1).toISOString(), null],
      [hours(5).toISOString(), hours(1).toISOString()],
      [hours(21).toISOString(), hours(5).toISOString()],
      [null, hours(21).toISOString()],
    ]);
  });

  it('stops at from, and keeps every other condition', () => {
    const w = [...timeWindows({ from: hours(10), caller: ['svc'] }, null, hours(10).getTime(), NOW, { firstMs: HOUR, lastMs: 256 * HOUR })];
    expect(w.map((f) => [f.from?.toISOString() ?? null, f.to?.toISOString() ?? null])).toEqual([
      [hours(1).toISOString(), null],
      [hours(5).toISOString(), hours(1).toISOString()],
      [hours(10).toISOString(), hours(5).toISOString()],
    ]);
    expect(w.every((f) => f.caller?.[0] === 'svc')).toBe(true);
  });

  it('lists read a day, then four days, then the rest', () => {
    expect([...timeWindows({}, null, -Infinity, NOW, LIST_SPANS)].map((w) => [w.from?.toISOString() ?? null, w.to?.toISOString() ?? null])).toEqual([
      [days(1).toISOString(), null],
      [days(5).toISOString(), days(1).toISOString()],
      [null, days(5).toISOString()],
    ]);
  });

  it('covers the range exactly once: each window ends where the previous began', () => {
    const w = [...timeWindows({}, { receivedAt: days(3), id: '0190a7a0-0000-7000-8000-000000000000' }, -Infinity, NOW, LIST_SPANS)];
    for (let i = 1; i < w.length; i++) expect(w[i]!.to?.getTime()).toBe(w[i - 1]!.from?.getTime());
    expect(w[0]!.to?.getTime()).toBe(days(3).getTime() + 1);
    expect(w[w.length - 1]!.from).toBeUndefined();
  });
});
