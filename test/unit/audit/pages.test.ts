// Bounded keyset pages: a page never exceeds its row count nor (past one row) its bytes,
// every row comes once, and a consumer that stops stops the walk.
import { describe, expect, it } from 'vitest';
import { walkPages, type KeysetSource } from '../../../src/audit/pages.js';

function source(sizes: number[]) {
  const calls = { keys: 0, rows: 0 };
  const src: KeysetSource<number, number> = {
    async keys(after, limit) {
      calls.keys++;
      const start = after === null ? 0 : after + 1;
      return sizes.slice(start, start + limit).map((bytes, i) => ({ key: start + i, bytes }));
    },
    async rows(after, through) {
      calls.rows++;
      const start = after === null ? 0 : after + 1;
      return Array.from({ length: through - start + 1 }, (_, i) => start + i);
    },
  };
  return { src, calls };
}

async function collect(it: AsyncIterable<number[]>): Promise<number[][]> {
  const pages: number[][] = [];
  for await (const p of it) pages.push(p);
  return pages;
}

describe('walkPages', () => {
  it('pages by row count', async () => {
    const { src } = source(Array(25).fill(1));
    const pages = await collect(walkPages(src, { pageRows: 10, pageBytes: 1e9 }));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual([...Array(25).keys()]);
  });

  it('cuts a page where the byte budget runs out, but always takes one row', async () => {
    const { src } = source([40, 40, 40, 500, 10, 10]);
    const pages = await collect(walkPages(src, { pageRows: 10, pageBytes: 100 }));
    expect(pages).toEqual([[0, 1], [2], [3], [4, 5]]);
  });

  it('stops fetching when the consumer stops', async () => {
    const { src, calls } = source(Array(100).fill(1));
    for await (const page of walkPages(src, { pageRows: 10, pageBytes: 1e9 })) {
      expect(page).toHaveLength(10);
      break;
    }
    expect(calls).toEqual({ keys: 1, rows: 1 });
  });

  it('ends on an empty source', async () => {
    const { src } = source([]);
    expect(await collect(walkPages(src))).toEqual([]);
  });
});
