import { describe, expect, it } from 'vitest';
import { regex } from '../../../src/filters/detectors/regex.js';
import type { SyncScanner } from '../../../src/filters/types.js';

function scanner(options: unknown): SyncScanner {
  const created = regex.create(regex.options.parse(options));
  if (created.kind !== 'sync') throw new Error('regex must be sync');
  return created;
}

function problems(options: unknown): string[] {
  const result = regex.options.safeParse(options);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('regex detector', () => {
  it('does not backtrack catastrophically: (a+)+$ on 100k characters returns', () => {
    const text = `${'a'.repeat(100_000)}!`;
    expect(scanner({ pattern: '(a+)+$' }).scan(text)).toEqual([]);
    expect(scanner({ pattern: '(a|aa)+b' }).scan(text)).toEqual([]);
    expect(scanner({ pattern: '(a+)+$' }).scan('a'.repeat(100_000))).toEqual([{ start: 0, end: 100_000 }]);
  });

  it('walks past empty matches', () => {
    expect(scanner({ pattern: 'x*' }).scan('axxbx😀x')).toEqual([
      { start: 1, end: 3 },
      { start: 4, end: 5 },
      { start: 7, end: 8 },
    ]);
  });

  it('reports UTF-16 offsets after astral characters', () => {
    const text = '😀😀 id=42';
    const spans = scanner({ pattern: 'id=\\d+' }).scan(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['id=42']);
  });

  it('uses max_match_length as the stream bound, 1024 by default', () => {
    expect(scanner({ pattern: 'a' }).maxMatchLength).toBe(1024);
    expect(scanner({ pattern: 'a', max_match_length: 64 }).maxMatchLength).toBe(64);
  });

  it.each([
    ['back-reference', { pattern: '(a)\\1' }, 'pattern: not a valid RE2 regular expression'],
    ['lookahead', { pattern: 'foo(?=bar)' }, 'pattern: not a valid RE2 regular expression'],
    ['lookbehind', { pattern: '(?<!x)foo' }, 'pattern: not a valid RE2 regular expression'],
    ['unbalanced parenthesis', { pattern: '(abc' }, 'pattern: not a valid RE2 regular expression'],
    ['unknown flag', { pattern: 'a', flags: 'g' }, 'flags: flags may only contain i, m and s'],
    ['repeated flag', { pattern: 'a', flags: 'ii' }, 'flags: flags must not repeat'],
    ['empty pattern', { pattern: '' }, 'pattern:'],
    ['bad bound', { pattern: 'a', max_match_length: 0 }, 'max_match_length:'],
    ['unknown key', { pattern: 'a', flag: 'i' }, ''],
  ])('rejects %s with a message', (_, options, message) => {
    const found = problems(options);
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((p) => p.startsWith(message))).toBe(true);
  });

  it('explains that RE2 lacks back-references and lookaround', () => {
    expect(problems({ pattern: 'foo(?=bar)' })[0]).toMatch(/back-references and lookaround are not supported/);
  });
});
