// RETENTION_DAYS: whole day partitions past the cut-off are dropped, older rows left in
// the default partition (or the day straddling the cut-off) are deleted in batches, and
// recent records stay; on start and on schedule, on the embedded database too.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, scheduleRetention } from '../../src/audit/retention.js';
import { ensurePartitions, listPartitions } from '../../src/db/partitions.js';
import { backends, type Harness } from '../support/harness.js';
import { getJson, makeRecord, seed, startAuditHarness } from './audit-support.js';

const DAY = 86_400_000;
const dayName = (t: number) => `audit_records_p${new Date(Math.floor(t / DAY) * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`;

describe.each(backends())('audit retention on %s Postgres', (backend) => {
  let h: Harness;
  const db = () => h.sidecar.ctx.database.db;
  const count = async (where = sql`true`) =>
    Number((await sql<{ n: number }>`select count(*) as n from audit_records where ${where}`.execute(db())).rows[0]!.n);

  beforeAll(async () => {
    h = await startAuditHarness(backend, { RETENTION_DAYS: '30' });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Old days with their own partitions, old days without (the default partition), recent days. */
  async function seedAges(now: number) {
    await ensurePartitions(db(), new Date(now - 40 * DAY), 1); // days -41 .. -39
    await ensurePartitions(db(), new Date(now - 30 * DAY), 1); // around the cut-off: one day straddles it
    const at = (days: number, n: number, caller: string) =>
      Array.from({ length: n }, (_, i) => makeRecord({ receivedAt: new Date(now - days * DAY - i * 1_000), caller }));
    await seed(h, [
      ...at(40, 12, 'partitioned-old'),
      ...at(50, 23, 'default-old'),
      ...at(30.5, 3, 'just-too-old'),
      ...at(29.5, 4, 'just-young-enough'),
      ...at(0, 5, 'recent'),
    ]);
  }

  it('drops old day partitions, deletes the rest in batches, keeps the young', async () => {
    await sql`truncate audit_records`.execute(db());
    const now = Date.now();
    await seedAges(now);
    expect(await listPartitions(db())).toContain(dayName(now - 40 * DAY));
    const r = await applyRetention(db(), { days: 30, now: new Date(now), batchSize: 7 });
    expect(r.cutoff).toEqual(new Date(now - 30 * DAY));
    expect(r.droppedPartitions).toEqual(expect.arrayContaining([dayName(now - 40 * DAY), dayName(now - 41 * DAY)]));
    // The default partition's 23, and the 3 just too old unless their whole day went.
    expect([23, 26]).toContain(r.deletedRows);
    const parts = await listPartitions(db());
    expect(parts).not.toContain(dayName(now - 40 * DAY));
    expect(parts).toContain(dayName(now));
    expect(await count(sql`caller in ('partitioned-old', 'default-old', 'just-too-old')`)).toBe(0);
    expect(await count(sql`caller = 'just-young-enough'`)).toBe(4);
    expect(await count(sql`caller = 'recent'`)).toBe(5);
    // What is left still verifies: retention's gaps are noted.
    expect((await getJson(h, '/audit/verify')).body).toMatchObject({ ok: true });
    // Nothing more to do the second time.
    expect(await applyRetention(db(), { days: 30, now: new Date(now) })).toMatchObject({ droppedPartitions: [], deletedRows: 0 });
  });

  it('runs as soon as it is scheduled, and again on demand', async () => {
    await sql`truncate audit_records`.execute(db());
    const now = Date.now();
    await seedAges(now);
    const schedule = scheduleRetention(db(), { days: 30 });
    // The first run started when scheduled; run() joins it.
    const first = await schedule.run();
    expect(first?.deletedRows).toBeGreaterThanOrEqual(23);
    await schedule.stop();
    expect(await schedule.run()).toBeNull();
    expect(await count()).toBe(9);
  });

  it('is scheduled by the sidecar when RETENTION_DAYS is set', async () => {
    expect(h.sidecar.retention).not.toBeNull();
    await sql`truncate audit_records`.execute(db());
    await seed(h, [makeRecord({ receivedAt: new Date(Date.now() - 45 * DAY) }), makeRecord()]);
    expect(await h.sidecar.retention!.run()).toMatchObject({ deletedRows: 1 });
    expect(await count()).toBe(1);
  });
});
