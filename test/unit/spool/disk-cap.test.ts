import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpooledAuditLog, type SpoolEvent } from '../../../src/audit/spool/index.js';
import { verifyChains } from '../../../src/audit/verify.js';
import { backends, eventually, makeRecord, openTestDb, tempDir, type TempDir, type TestDb } from './support.js';

describe.each(backends())('the disk cap, on the %s database', (backend) => {
  let tdb: TestDb;
  let dir: TempDir;
  let log: SpooledAuditLog | null = null;

  beforeAll(async () => {
    tdb = await openTestDb(backend);
  });
  afterAll(async () => {
    await tdb.close();
  });
  afterEach(async () => {
    await log?.close(1_000);
    tdb.down(false);
    await tdb.truncate();
    dir.remove();
  });

  it('drops and counts records past AUDIT_SPOOL_MAX_BYTES, stops accepting, and takes records again once shipped', async () => {
    const events: SpoolEvent[] = [];
    dir = tempDir();
    log = await SpooledAuditLog.open({
      db: tdb.db,
      dir: dir.path,
      maxTextChars: 10_000,
      limits: { commitMs: 5, maxBytes: 24 * 1024, segmentMaxBytes: 4 * 1024, maxBackoffMs: 100 },
      onEvent: (e) => events.push(e),
    });
    tdb.down(true);

    const kept: string[] = [];
    let full = 0;
    for (let i = 0; i < 60; i++) {
      const r = makeRecord();
      try {
        await log.write(r);
        kept.push(r.id);
      } catch (err) {
        expect(err).toMatchObject({ code: 'spool_full' });
        full++;
      }
    }
    const s = log.stats();
    expect(full).toBeGreaterThan(0);
    expect(s.dropped).toBe(full);
    expect(s.accepting).toBe(false);
    expect(log.accepting()).toBe(false);
    expect(s.spoolBytes).toBeLessThanOrEqual(24 * 1024);
    expect(s.queued).toBe(kept.length);
    expect(events).toContainEqual(expect.objectContaining({ type: 'dropped', reason: 'disk_cap', count: 1 }));

    tdb.down(false);
    expect(await eventually(() => log!.accepting(), 10_000)).toBe(true);
    expect(await log.drain(10_000)).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(kept));
    const after = makeRecord();
    await log.write(after);
    expect(await log.drain()).toBe(true);
    expect((await tdb.ids()).has(after.id)).toBe(true);
    expect(log.stats()).toMatchObject({ dropped: full, queued: 0, accepting: true });
    // The drops are visible in the hash chain too: the record after them does not follow on.
    expect(await verifyChains(tdb.db, {})).toMatchObject({ ok: false, firstBreak: { id: after.id, reason: 'missing record (gap in seq)' } });
  });
});
