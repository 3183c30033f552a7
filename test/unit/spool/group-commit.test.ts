import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditSpoolError, SpooledAuditLog, type SpoolEvent, type SpoolLimits } from '../../../src/audit/spool/index.js';
import { eventually, makeRecord, openTestDb, tempDir, type TempDir, type TestDb } from './support.js';

/** An fsync the test holds until it says so, counting calls. */
function gatedSync() {
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const gated = {
    calls: 0,
    failNext: 0,
    release() {
      open();
    },
    hold() {
      gate = new Promise<void>((r) => (open = r));
    },
    async sync(fh: FileHandle) {
      gated.calls++;
      await gate;
      if (gated.failNext > 0) {
        gated.failNext--;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      }
      await fh.datasync();
    },
  };
  return gated;
}

function spoolLines(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('audit-'))
    .reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').length - 1, 0);
}

describe('group commit and strict durability (embedded database)', () => {
  let tdb: TestDb;
  let dir: TempDir;
  const logs: SpooledAuditLog[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('embedded');
  });
  afterAll(async () => {
    await tdb.close();
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close(1_000);
    tdb.down(false);
    await tdb.truncate();
    dir.remove();
  });

  async function open(props: { limits?: Partial<SpoolLimits>; sync?: (fh: FileHandle) => Promise<void>; events?: SpoolEvent[] } = {}) {
    dir = tempDir();
    const log = await SpooledAuditLog.open({
      db: tdb.db,
      dir: dir.path,
      maxTextChars: 10_000,
      limits: { commitMs: 10, maxBackoffMs: 100, ...props.limits },
      ...(props.sync ? { sync: props.sync } : {}),
      onEvent: (e) => props.events?.push(e),
    });
    logs.push(log);
    return log;
  }

  it('write() resolves only once its record is fsync\'d, one fsync for the whole batch', async () => {
    const fsync = gatedSync();
    const log = await open({ sync: fsync.sync });
    let resolved = 0;
    const writes = Array.from({ length: 1_000 }, () => log.write(makeRecord()).then(() => resolved++));
    await eventually(() => fsync.calls > 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(resolved).toBe(0); // written to the file, but not yet durable
    expect(log.stats().bufferedRecords).toBe(0);
    expect(spoolLines(dir.path)).toBe(1_000);
    fsync.release();
    await Promise.all(writes);
    expect(resolved).toBe(1_000);
    expect(fsync.calls).toBe(1);
    expect(log.stats().commits).toBe(1);
  });

  it('commits at least every commitMs, and gathers the next batch while an fsync is slow', async () => {
    const fsync = gatedSync();
    const log = await open({ limits: { commitMs: 20 }, sync: fsync.sync });
    const started = performance.now();
    const first = log.write(makeRecord());
    await eventually(() => fsync.calls === 1);
    expect(performance.now() - started).toBeLessThan(500);
    const more = Array.from({ length: 50 }, () => log.write(makeRecord()));
    await new Promise((r) => setTimeout(r, 60));
    expect(fsync.calls).toBe(1); // the next commit waits behind the one on the disk
    fsync.release();
    await Promise.all([first, ...more]);
    expect(fsync.calls).toBe(2);
  });

  it('a failed fsync rejects the batch, stops accepting, keeps the records and writes them again to a new segment', async () => {
    const events: SpoolEvent[] = [];
    const fsync = gatedSync();
    fsync.release();
    fsync.failNext = 1;
    const log = await open({ sync: fsync.sync, events });
    const records = Array.from({ length: 10 }, () => makeRecord());
    const results = await Promise.allSettled(records.map((r) => log.write(r)));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AuditSpoolError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'spool_io' });
    }
    expect(log.stats()).toMatchObject({ spoolErrors: 1, lastSpoolError: expect.stringMatching(/EIO/) });
    // The retry (after a short backoff) succeeds: the same records, durable, then shipped.
    expect(await log.drain(5_000)).toBe(true);
    expect(log.accepting()).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(records.map((r) => r.id)));
    expect(log.stats()).toMatchObject({ dropped: 0, queued: 0 });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['spool_failed', 'spool_restored']));
  });

  it('says it is not accepting while the spool directory refuses writes, and recovers when it is back', async () => {
    const log = await open({ limits: { segmentMaxBytes: 1_024 } });
    await log.write(makeRecord()); // fills the first segment past 1 kB: the next commit opens a new file
    expect(await log.drain()).toBe(true);
    rmSync(dir.path, { recursive: true });
    writeFileSync(dir.path, 'not a directory');
    const r = makeRecord();
    await expect(log.write(r)).rejects.toMatchObject({ code: 'spool_io' });
    expect(log.accepting()).toBe(false);
    expect(log.stats()).toMatchObject({ accepting: false, bufferedRecords: 1, queued: 1, dropped: 0 });

    rmSync(dir.path);
    mkdirSync(dir.path);
    expect(await eventually(() => log.accepting(), 5_000)).toBe(true);
    expect(await log.drain(5_000)).toBe(true);
    expect((await tdb.ids()).has(r.id)).toBe(true);
  });

  it('holds at most maxBufferBytes in memory while the disk fails, dropping (and counting) the rest', async () => {
    const events: SpoolEvent[] = [];
    const fsync = gatedSync();
    fsync.release();
    fsync.failNext = 1_000;
    const log = await open({ sync: fsync.sync, limits: { maxBufferBytes: 20_000, maxBackoffMs: 5_000 }, events });
    await log.write(makeRecord()).catch(() => {});
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => log.write(makeRecord())));
    const full = results.filter((r) => r.status === 'rejected' && (r.reason as AuditSpoolError).code === 'spool_full');
    expect(full.length).toBeGreaterThan(50);
    const s = log.stats();
    expect(s.dropped).toBe(full.length);
    expect(s.bufferedRecords).toBe(101 - full.length);
    expect(s.accepting).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'dropped', reason: 'buffer_cap' }));
  });
});
