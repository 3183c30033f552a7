// Findings that arrive as JSON text (from a scan worker) give the same stored row, and so
// the same chain hash, as the same findings held as objects.
import { describe, expect, it } from 'vitest';
import { recordHash } from '../../../src/audit/chain.js';
import { toRow, type RecordedFinding } from '../../../src/audit/record.js';
import { makeRecord } from './support/records.js';

const input: RecordedFinding[] = [
  { rule: 'pii', policy: 'default', detector: 'email', phase: 'input', action: 'redact', enforced: true, count: 2, locations: [{ segment: 1, start: 3, end: 20, hash: 'aa11' }, { segment: 1, start: 40, end: 57, hash: 'bb22' }] },
  { rule: 'odd', policy: 'p\u0000"q', detector: 'regex', phase: 'input', action: 'flag', enforced: false, count: 1, locations: [{ segment: 0, start: 0, end: 1, hash: 'cc33' }] },
];
const rest: RecordedFinding[] = [
  { rule: 'out', policy: 'default', detector: 'keywords', phase: 'output', action: 'block', enforced: false, count: 1, locations: [{ segment: 0, start: 5, end: 9, hash: 'dd44' }] },
  { rule: '_unscanned', phase: 'input', kinds: ['input_image'] },
];

describe('findings as JSON text', () => {
  it.each([
    ['input and the rest', input, rest],
    ['input only', input, []],
    ['no input findings', [], rest],
    ['none at all', [], []],
  ] as const)('%s: the same row and hash as objects', (_name, first, after) => {
    const base = makeRecord({ findings: [...first, ...after] });
    const asText = { ...base, findings: after, findingsJson: JSON.stringify(first) };
    const a = toRow(base, 1_000);
    const b = toRow(asText, 1_000);
    expect(b).toEqual(a);
    expect(recordHash(b, 'inserted')).toBe(recordHash(a, 'inserted'));
    // NUL cannot go into jsonb: replaced in both forms.
    if (first.length > 0) expect(b.findings).toContain('\\ufffd');
  });
});
