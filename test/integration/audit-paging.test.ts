// Keyset pages stay exact while records keep landing: every record present when paging
// began comes exactly once, in order, whatever is inserted between two pages (newer
// records, late records of calls that began long ago, records sharing a timestamp).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type Harness } from '../support/harness.js';
import { getJson, makeRecord, seed, startAuditHarness } from './audit-support.js';

describe.each(backends())('audit paging under concurrent inserts on %s Postgres', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startAuditHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has no duplicates or gaps while records are inserted between and during pages', async () => {
    const now = Date.now();
    const tie = new Date(now - 30 * 60_000);
    const initial = [
      ...Array.from({ length: 200 }, (_, i) => makeRecord({ receivedAt: new Date(now - 60 * 60_000 + i * 15_000), caller: 'pager' })),
      // Many records in one millisecond: the id breaks the tie.
      ...Array.from({ length: 25 }, () => makeRecord({ receivedAt: tie, caller: 'pager' })),
    ];
    await seed(h, initial);

    const seen: { id: string; receivedAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let inserting = true;
    // A steady stream of inserts racing the pages: new calls, and late records of calls
    // that began anywhere in the hour being paged (including at the tied millisecond).
    const writer = (async () => {
      let i = 0;
      while (inserting) {
        const at = i % 3 === 0 ? new Date() : i % 3 === 1 ? new Date(now - 60 * 60_000 + ((i * 7919) % 3_000_000)) : tie;
        h.sidecar.ctx.audit.write(makeRecord({ receivedAt: at, caller: 'pager' }));
        i++;
        await new Promise((r) => setTimeout(r, 2));
      }
      await h.flush();
    })();
    do {
      const r: { status: number; body: any } = await getJson(h, `/audit/requests?caller=pager&limit=9${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((x: any) => ({ id: x.id, receivedAt: x.receivedAt })));
      cursor = r.body.nextCursor;
      pages++;
      await new Promise((r) => setTimeout(r, 5));
    } while (cursor);
    inserting = false;
    await writer;

    expect(pages).toBeGreaterThan(25);
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seenIds = new Set(ids);
    expect(initial.filter((r) => !seenIds.has(r.id))).toEqual([]);
    // Strictly descending by (receivedAt, id), the keyset order.
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1]!;
      const b = seen[i]!;
      expect(a.receivedAt > b.receivedAt || (a.receivedAt === b.receivedAt && a.id > b.id), `${i}`).toBe(true);
    }
  });

  it('pages through records spread over weeks, across the time windows, in keyset order', async () => {
    const now = Date.now();
    const HOUR = 3_600_000;
    // Gaps of every size around the windows (1 h, 4 h, 16 h, 64 h, 256 h, the rest), a record
    // from a clock ahead of ours, and a filter that only some match.
    const offsets = [-2 * HOUR, 10_000, 30 * 60_000, 2 * HOUR, 4 * HOUR + 1, 7 * HOUR, 20 * HOUR, 30 * HOUR, 3 * 24 * HOUR, 5 * 24 * HOUR, 12 * 24 * HOUR, 20 * 24 * HOUR, 45 * 24 * HOUR];
    const records = offsets.flatMap((o, i) => [
      makeRecord({ receivedAt: new Date(now - o), caller: 'spread', model: i % 2 ? 'odd-model' : 'even-model' }),
      makeRecord({ receivedAt: new Date(now - o), caller: 'spread', model: 'even-model' }),
    ]);
    await seed(h, records);
    const order = (rs: typeof records) =>
      [...rs].sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0)).map((r) => r.id);
    for (const [query, expected] of [
      ['caller=spread', order(records)],
      ['caller=spread&model=odd-model', order(records.filter((r) => r.model === 'odd-model'))],
      [`caller=spread&from=${new Date(now - 6 * 24 * HOUR).toISOString()}`, order(records.filter((r) => r.receivedAt.getTime() >= now - 6 * 24 * HOUR))],
    ] as const) {
      for (const limit of [1, 3, 50]) {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const r: { status: number; body: any } = await getJson(h, `/audit/requests?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(r.status).toBe(200);
          ids.push(...r.body.items.map((x: any) => x.id));
          cursor = r.body.nextCursor;
        } while (cursor);
        expect(ids, `${query} limit=${limit}`).toEqual(expected);
      }
    }
  });
});
