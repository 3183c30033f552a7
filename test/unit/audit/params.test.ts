// Parameter rules that need no database: the stats range and the search pattern.
import { describe, expect, it } from 'vitest';
import { containsPattern } from '../../../src/audit/queries.js';
import { SidecarError } from '../../../src/errors.js';
import { parseQuery, statsQuerySchema, statsRange } from '../../../src/http/admin/params.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const H = 3_600_000;

function rangeOf(query: Record<string, string>) {
  return statsRange(parseQuery(statsQuerySchema, query), NOW);
}

function paramOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    if (err instanceof SidecarError) return err.param;
    throw err;
  }
  return null;
}

describe('stats range', () => {
  it('defaults to the last 24 hours, grouped by hour', () => {
    const q = parseQuery(statsQuerySchema, {});
    expect(q.groupBy).toBe('hour');
    expect(statsRange(q, NOW)).toEqual({ from: new Date(NOW.getTime() - 24 * H), to: NOW });
  });

  it('takes from up to now, and a day before to', () => {
    expect(rangeOf({ from: '2026-11-28T00:00:00Z' })).toEqual({ from: new Date('2026-11-28T00:00:00Z'), to: NOW });
    expect(rangeOf({ to: '2026-11-28T00:00:00Z' })).toEqual({ from: new Date('2026-11-27T00:00:00Z'), to: new Date('2026-11-28T00:00:00Z') });
  });

  it('refuses empty, reversed or too long ranges, naming from', () => {
    expect(paramOf(() => rangeOf({ from: '2026-12-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }))).toBe('from');
    expect(paramOf(() => rangeOf({ from: '2026-10-01T00:00:00Z' }))).toBe('from');
    expect(paramOf(() => rangeOf({ from: '2026-11-30T00:00:00Z', groupBy: 'minute' }))).toBe('from');
    expect(paramOf(() => rangeOf({ from: '2026-11-30T12:00:00Z', groupBy: 'minute' }))).toBeNull();
    expect(paramOf(() => rangeOf({ from: '2026-11-01T12:00:00Z', groupBy: 'model' }))).toBeNull();
  });

  it('names groupBy when it is not one of the groups', () => {
    expect(paramOf(() => parseQuery(statsQuerySchema, { groupBy: 'day' }))).toBe('groupBy');
  });
});

describe('containsPattern', () => {
  it('takes LIKE wildcards and the escape character literally', () => {
    expect(containsPattern('plain')).toBe('%plain%');
    expect(containsPattern('100%')).toBe('%100\\%%');
    expect(containsPattern('a_b')).toBe('%a\\_b%');
    expect(containsPattern('back\\slash')).toBe('%back\\\\slash%');
  });
});
