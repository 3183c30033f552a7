import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEntries, entrySize } from '../../../src/audit/spool/entry-format.js';
import { SegmentReader } from '../../../src/audit/spool/segment-reader.js';
import { tempDir, type TempDir } from './support.js';

function segment(dir: string, rows: object[], tail = ''): { path: string; size: number } {
  const jsons = rows.map((r) => JSON.stringify(r));
  const buf = Buffer.concat([encodeEntries(jsons, jsons.reduce((n, j) => n + entrySize(j), 0)), Buffer.from(tail)]);
  const path = join(dir, 'seg.spool');
  writeFileSync(path, buf);
  return { path, size: buf.length };
}

describe('SegmentReader', () => {
  let dir: TempDir;
  let reader: SegmentReader | null = null;
  afterEach(async () => {
    await reader?.close();
    dir.remove();
  });

  it('hands out batches across chunk boundaries, each ending at a line end', async () => {
    dir = tempDir();
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: `r${i}`, text: 'x'.repeat(i * 7) }));
    const seg = segment(dir.path, rows);
    reader = new SegmentReader(seg.path, 64); // smaller than most entries
    const seen: string[] = [];
    let end = 0;
    for (;;) {
      const b = await reader.next(seg.size, { maxRows: 4, maxBytes: 1 << 20 });
      if (b.entries === 0) break;
      expect(b.rows.length).toBeLessThanOrEqual(4);
      expect(b.end).toBeGreaterThan(end);
      end = b.end;
      seen.push(...b.rows.map((r) => r.id));
    }
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(end).toBe(seg.size);
  });

  it('reads an entry far larger than its chunk, and keeps to the byte budget of a batch', async () => {
    dir = tempDir();
    const big = { id: 'big', text: 'y'.repeat(300_000) };
    const seg = segment(dir.path, [{ id: 'a' }, big, { id: 'b' }, { id: 'c' }]);
    reader = new SegmentReader(seg.path, 1_024);
    const first = await reader.next(seg.size, { maxRows: 100, maxBytes: 10_000 });
    expect(first.rows.map((r) => r.id)).toEqual(['a', 'big']); // the budget is passed by the big one, then stops
    const second = await reader.next(seg.size, { maxRows: 100, maxBytes: 10_000 });
    expect(second.rows.map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('reads no further than the limit and leaves a line without its newline unconsumed', async () => {
    dir = tempDir();
    const seg = segment(dir.path, [{ id: 'a' }, { id: 'b' }], '1234abcd {"id":"torn');
    reader = new SegmentReader(seg.path, 16);
    const b = await reader.next(seg.size, { maxRows: 100, maxBytes: 1 << 20 });
    expect(b.rows.map((r) => r.id)).toEqual(['a', 'b']);
    expect(b.corrupt).toBe(0);
    expect(reader.offset).toBeLessThan(seg.size);
    expect((await reader.next(seg.size, { maxRows: 100, maxBytes: 1 << 20 })).entries).toBe(0);
  });

  it('counts a damaged line and goes on with the next', async () => {
    dir = tempDir();
    const jsons = [{ id: 'a' }, { id: 'b' }, { id: 'c' }].map((r) => JSON.stringify(r));
    const buf = encodeEntries(jsons, jsons.reduce((n, j) => n + entrySize(j), 0));
    buf[buf.indexOf('"b"')]! ^= 0x01;
    const path = join(dir.path, 'seg.spool');
    writeFileSync(path, buf);
    reader = new SegmentReader(path, 1_024);
    const b = await reader.next(buf.length, { maxRows: 100, maxBytes: 1 << 20 });
    expect(b.rows.map((r) => r.id)).toEqual(['a', 'c']);
    expect(b).toMatchObject({ entries: 3, corrupt: 1, end: buf.length });
  });
});
