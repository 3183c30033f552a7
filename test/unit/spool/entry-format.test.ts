import { describe, expect, it } from 'vitest';
import { toRow } from '../../../src/audit/record.js';
import { decodeEntry, encodeEntries, entrySize, ENTRY_OVERHEAD } from '../../../src/audit/spool/entry-format.js';
import { makeRecord } from './support.js';

function encodeOne(json: string): Buffer {
  return encodeEntries([json], entrySize(json));
}

describe('spool entry format', () => {
  it('round-trips rows, multi-byte text and newlines inside strings included', () => {
    const rows = [
      toRow(makeRecord(), 1_000),
      toRow(makeRecord({ prompt: 'line one\nline two\r\n\ttab — 東京 🙂', response: '"quoted" \\ back' }), 1_000),
    ];
    const jsons = rows.map((r) => JSON.stringify(r));
    const buf = encodeEntries(jsons, jsons.reduce((n, j) => n + entrySize(j), 0));
    const lines = buf.toString('utf8').split('\n');
    expect(lines).toHaveLength(3); // two entries, each ending in a newline
    expect(lines[2]).toBe('');
    const back = lines.slice(0, 2).map((l) => decodeEntry(Buffer.from(l)));
    expect(back).toEqual(rows.map((r) => JSON.parse(JSON.stringify(r))));
  });

  it('writes `<crc32 hex> <json>\\n`, readable with ordinary tools', () => {
    const line = encodeOne('{"id":"x"}').toString('utf8');
    expect(line).toMatch(/^[0-9a-f]{8} \{"id":"x"\}\n$/);
    expect(entrySize('{"id":"x"}')).toBe(10 + ENTRY_OVERHEAD);
  });

  it('refuses damaged lines: a flipped bit, a cut line, zeros, a foreign line', () => {
    const good = encodeOne(JSON.stringify({ id: 'abc', prompt: 'hello' })).subarray(0, -1);
    expect(decodeEntry(good)).toMatchObject({ id: 'abc' });
    const flipped = Buffer.from(good);
    flipped[20]! ^= 0x04;
    expect(decodeEntry(flipped)).toBeNull();
    expect(decodeEntry(good.subarray(0, good.length - 3))).toBeNull();
    expect(decodeEntry(Buffer.alloc(good.length))).toBeNull();
    expect(decodeEntry(Buffer.from('{"id":"abc"}'))).toBeNull();
    expect(decodeEntry(encodeOne('[1,2,3]').subarray(0, -1))).toBeNull(); // checksum fine, not a row
  });
});
