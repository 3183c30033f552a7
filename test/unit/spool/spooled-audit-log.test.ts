import { readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpooledAuditLog, type SpoolEvent } from '../../../src/audit/spool/index.js';
import { verifyChains } from '../../../src/audit/verify.js';
import { backends, eventually, makeRecord, openTestDb, tempDir, type TempDir, type TestDb } from './support.js';

describe.each(backends())('SpooledAuditLog on the %s database', (backend) => {
  let tdb: TestDb;
  let dir: TempDir;
  const logs: SpooledAuditLog[] = [];

  beforeAll(async () => {
    tdb = await openTestDb(backend);
  });
  afterAll(async () => {
    await tdb.close();
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close(1_000);
    tdb.down(false);
    await tdb.truncate();
    dir?.remove();
  });

  async function open(events: SpoolEvent[] = [], limits = {}): Promise<SpooledAuditLog> {
    dir = tempDir();
    const log = await SpooledAuditLog.open({
      db: tdb.db,
      dir: dir.path,
      maxTextChars: 10_000,
      limits: { commitMs: 5, maxBackoffMs: 200, ...limits },
      onEvent: (e) => events.push(e),
    });
    logs.push(log);
    return log;
  }

  it('lands every record in Postgres and deletes the shipped segments', async () => {
    const log = await open([], { segmentMaxBytes: 16 * 1024 });
    const records = Array.from({ length: 300 }, () => makeRecord());
    for (const r of records) void log.write(r);
    expect(await log.drain(10_000)).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(records.map((r) => r.id)));
    const s = log.stats();
    expect(s).toMatchObject({ queued: 0, backlogRecords: 0, written: 300, dropped: 0, writeErrors: 0, accepting: true });
    expect(s.oldestUnshippedAgeMs).toBeNull();
    expect(s.commits).toBeGreaterThan(0);
    // Small segments rolled over; every sealed one that was shipped is gone.
    expect(await log.close()).toBe(true);
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.spool'))).toEqual([]);
  });

  it('keeps the record as written: same columns back from Postgres', async () => {
    const log = await open();
    const r = makeRecord({ prompt: 'naïve café — 東京 ✓', params: { temperature: 0.7, stop: ['\n'] }, findings: [] });
    await log.write(r);
    expect(await log.drain()).toBe(true);
    expect(await tdb.count()).toBe(1);
    expect(await tdb.ids()).toEqual(new Set([r.id]));
  });

  it('is idempotent: the same record twice is one row', async () => {
    const log = await open();
    const r = makeRecord();
    await log.write(r);
    await log.write(r);
    expect(await log.drain()).toBe(true);
    expect(await tdb.count()).toBe(1);
    expect(log.stats().written).toBe(2);
  });

  it('keeps serving while the database is away, then lands every record, dropping none', async () => {
    const events: SpoolEvent[] = [];
    const log = await open(events, { segmentMaxBytes: 8 * 1024 });
    tdb.down(true);
    const records = Array.from({ length: 200 }, () => makeRecord());
    const started = performance.now();
    // Appends never wait on the database: each wave is durable within a group commit or
    // two, and the segment rolls over after each (they are bigger than 8 kB).
    for (let i = 0; i < records.length; i += 50) await Promise.all(records.slice(i, i + 50).map((r) => log.write(r)));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await eventually(() => log.stats().writeErrors >= 2)).toBe(true);

    const during = log.stats();
    expect(during).toMatchObject({ queued: 200, backlogRecords: 200, bufferedRecords: 0, dropped: 0, accepting: true, written: 0 });
    expect(during.spoolSegments).toBe(4);
    expect(during.spoolBytes).toBeGreaterThan(0);
    expect(during.oldestUnshippedAgeMs).not.toBeNull();
    expect(during.lastError).toMatch(/ECONNREFUSED/);
    expect(await log.drain(300)).toBe(false);
    // Backoff: a handful of attempts, not one per group commit.
    const attempts = tdb.attempts;
    await new Promise((r) => setTimeout(r, 500));
    expect(tdb.attempts - attempts).toBeLessThanOrEqual(4);

    tdb.down(false);
    expect(await log.drain(10_000)).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(records.map((r) => r.id)));
    const after = log.stats();
    expect(after).toMatchObject({ queued: 0, dropped: 0, written: 200, spoolSegments: expect.any(Number) });
    expect(after.spoolSegments).toBeLessThanOrEqual(1); // at most the open segment remains
    expect(events.some((e) => e.type === 'ship_failed')).toBe(true);
    expect(events.some((e) => e.type === 'ship_restored')).toBe(true);
    // Hash-chained in write order, with no gap: the outage lost nothing.
    expect(await verifyChains(tdb.db, {})).toMatchObject({ ok: true, checked: 200, chains: 1 });
  });

  it('close() ships what it can in time and leaves the rest in the spool for the next start', async () => {
    const log = await open();
    tdb.down(true);
    const records = Array.from({ length: 20 }, () => makeRecord());
    for (const r of records) void log.write(r);
    expect(await log.close(300)).toBe(false);
    expect(log.accepting()).toBe(false);
    await expect(log.write(makeRecord())).rejects.toMatchObject({ code: 'spool_closed' });
    expect(log.stats().dropped).toBe(1);

    tdb.down(false);
    const next = await SpooledAuditLog.open({ db: tdb.db, dir: dir.path, maxTextChars: 10_000, limits: { commitMs: 5 } });
    logs.push(next);
    expect(next.stats().replayedRecords).toBe(20);
    expect(await next.drain()).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(records.map((r) => r.id)));
  });

  it('sets aside a row Postgres refuses (an integer out of range) and ships the rest', async () => {
    const events: SpoolEvent[] = [];
    const log = await open(events);
    const good = Array.from({ length: 5 }, () => makeRecord());
    const bad = makeRecord({ status: 2 ** 40 }); // SQLSTATE 22003: a data error, not an outage
    for (const r of [good[0]!, good[1]!, bad, good[2]!, good[3]!, good[4]!]) void log.write(r);
    expect(await log.drain(15_000)).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(good.map((r) => r.id)));
    expect(log.stats().rejectedRecords).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'rejected', id: bad.id }));
    expect(readdirSync(dir.path)).toContain('rejected.v1.spool');
  });

  it('ships a batch as parts side by side, and still sets aside only the refused row', async () => {
    const events: SpoolEvent[] = [];
    const log = await open(events, { commitMs: 1_000, batchRows: 400, shipConnections: 3 });
    const good = Array.from({ length: 399 }, () => makeRecord());
    const bad = makeRecord({ status: 2 ** 40 });
    const all = [...good.slice(0, 300), bad, ...good.slice(300)];
    for (const r of all) void log.write(r);
    expect(await log.drain(30_000)).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(good.map((r) => r.id)));
    expect(log.stats().rejectedRecords).toBe(1);
    expect(events.filter((e) => e.type === 'rejected')).toEqual([expect.objectContaining({ id: bad.id })]);
  });
});
