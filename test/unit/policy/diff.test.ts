import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/policy/diff.js';

/** Applies a unified diff produced by unifiedDiff to `before` (strict: context must match). */
function applyPatch(before: string, patch: string): string {
  if (patch === '') return before;
  const old = before.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const lines = patch.split('\n');
  expect(lines[0]?.startsWith('--- ')).toBe(true);
  expect(lines[1]?.startsWith('+++ ')).toBe(true);
  const out: string[] = [];
  let at = 0; // next old line to copy
  let i = 2;
  while (i < lines.length && lines[i] !== '') {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i] as string);
    if (header === null) throw new Error(`bad hunk header: ${lines[i]}`);
    const oldStart = Number(header[1]);
    const oldLen = header[2] === undefined ? 1 : Number(header[2]);
    const from = oldLen === 0 ? oldStart : oldStart - 1;
    while (at < from) out.push(old[at++] as string);
    i += 1;
    while (i < lines.length && /^[ +-]/.test(lines[i] as string)) {
      const line = lines[i] as string;
      const noNewline = lines[i + 1] === '\\ No newline at end of file';
      const text = line.slice(1) + (noNewline ? '' : '\n');
      if (line[0] === '+') out.push(text);
      else {
        expect(old[at]).toBe(text);
        if (line[0] === ' ') out.push(text);
        at += 1;
      }
      i += noNewline ? 2 : 1;
    }
  }
  while (at < old.length) out.push(old[at++] as string);
  return out.join('');
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('writes git-style hunks with context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nD\ne\nf\ng\nh\n';
    expect(unifiedDiff(before, after, { fromFile: 'a/default.yaml', toFile: 'b/default.yaml' })).toBe(
      '--- a/default.yaml\n+++ b/default.yaml\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n',
    );
  });

  it('handles empty sides and a missing final newline', () => {
    expect(unifiedDiff('', 'x\ny\n')).toBe('--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('x\n', '')).toBe('--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n');
    expect(unifiedDiff('x\n', 'x')).toBe('--- a\n+++ b\n@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n');
  });

  it('splits distant changes into separate hunks', () => {
    const before = Array.from({ length: 30 }, (_, i) => `line ${i}\n`).join('');
    const after = before.replace('line 2\n', 'line two\n').replace('line 25\n', 'line twenty-five\n');
    const patch = unifiedDiff(before, after);
    expect(patch.match(/^@@/gm)).toHaveLength(2);
    expect(applyPatch(before, patch)).toBe(after);
  });

  it('produces a patch that turns the old text into the new one', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'rules:', '  - id: x', '');
    const text = fc.array(line, { maxLength: 25 }).chain((ls) => fc.boolean().map((nl) => ls.join('\n') + (nl ? '\n' : '')));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (before, after, context) => {
        expect(applyPatch(before, unifiedDiff(before, after, { context }))).toBe(after);
      }),
      { numRuns: 500 },
    );
  });

  it('finds the shortest script for small edits', () => {
    const patch = unifiedDiff('a\nb\nc\n', 'a\nx\nb\nc\n', { context: 0 });
    expect(patch).toBe('--- a\n+++ b\n@@ -1,0 +2 @@\n+x\n');
  });

  it('stays bounded on big, completely different inputs (still a correct diff)', () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `old ${i}\n`).join('');
    const after = Array.from({ length: 20_000 }, (_, i) => `new ${i}\n`).join('');
    const started = performance.now();
    const patch = unifiedDiff(before, after, { maxEdits: 200 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(applyPatch(before, patch)).toBe(after);
  });
});
