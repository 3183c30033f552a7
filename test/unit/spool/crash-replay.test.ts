import { fork } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpooledAuditLog, type SpoolEvent } from '../../../src/audit/spool/index.js';
import { toRow } from '../../../src/audit/record.js';
import { verifyChains } from '../../../src/audit/verify.js';
import { encodeEntries, entrySize } from '../../../src/audit/spool/entry-format.js';
import { segmentFileName } from '../../../src/audit/spool/segment-files.js';
import { compileSpool } from './compile-spool.js';
import { backends, makeRecord, openTestDb, tempDir, type TempDir, type TestDb } from './support.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));

/** A segment file as a crashed process would leave it: `rows` whole entries, then `tail`. */
function writeSegment(dir: string, seq: number, ids: string[], tail = ''): string {
  const jsons = ids.map((id) => JSON.stringify(toRow(makeRecord({ id }), 10_000)));
  const path = join(dir, segmentFileName(seq));
  writeFileSync(path, encodeEntries(jsons, jsons.reduce((n, j) => n + entrySize(j), 0)));
  if (tail) appendFileSync(path, tail);
  return path;
}

describe.each(backends())('replay after a crash, on the %s database', (backend) => {
  let tdb: TestDb;
  let dir: TempDir;
  let build: TempDir;
  let spoolModule: string;
  const logs: SpooledAuditLog[] = [];

  beforeAll(async () => {
    tdb = await openTestDb(backend);
    build = tempDir('spool-build-');
    spoolModule = compileSpool(build.path);
  });
  afterAll(async () => {
    await tdb.close();
    build.remove();
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close(1_000);
    await tdb.truncate();
    dir.remove();
  });

  async function reopen(events: SpoolEvent[] = []): Promise<SpooledAuditLog> {
    const log = await SpooledAuditLog.open({ db: tdb.db, dir: dir.path, maxTextChars: 10_000, limits: { commitMs: 5 }, onEvent: (e) => events.push(e) });
    logs.push(log);
    return log;
  }

  it('ships every record a SIGKILLed process had reported durable', async () => {
    dir = tempDir();
    const child = fork(fixture, [spoolModule, dir.path, '500', JSON.stringify(makeRecord())], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const durable = await new Promise<string[]>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { durable: string[] }).durable));
      child.once('exit', (code) => reject(new Error(`crash writer exited early (${code})`)));
    });
    // Let it append a while longer, so the kill lands among commits and buffered records.
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(durable).toHaveLength(500);

    const events: SpoolEvent[] = [];
    const log = await reopen(events);
    const { replayedRecords } = log.stats();
    expect(replayedRecords).toBeGreaterThanOrEqual(500);
    expect(events[0]).toMatchObject({ type: 'recovered', records: replayedRecords });
    expect(await log.drain(30_000)).toBe(true);
    const landed = await tdb.ids();
    expect(durable.filter((id) => !landed.has(id))).toEqual([]);
    expect(landed.size).toBe(replayedRecords - log.stats().corruptEntries);
    expect(log.stats()).toMatchObject({ dropped: 0, queued: 0 });
    // The killed process's chain ends where its durable records end: no gap, no broken link.
    expect(await verifyChains(tdb.db, {})).toMatchObject({ ok: true, chains: 1 });
    expect(await log.close()).toBe(true);
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.spool'))).toEqual([]);
  });

  it('skips and counts a torn final entry instead of failing', async () => {
    dir = tempDir();
    const ids = [makeRecord().id, makeRecord().id, makeRecord().id];
    writeSegment(dir.path, 1_000, ids, '0badc0de {"id":"0193c1d2-half-written');
    const events: SpoolEvent[] = [];
    const log = await reopen(events);
    expect(log.stats().replayedRecords).toBe(3);
    expect(await log.drain()).toBe(true);
    expect(await tdb.ids()).toEqual(new Set(ids));
    expect(log.stats()).toMatchObject({ tornEntries: 1, corruptEntries: 0, dropped: 0, written: 3 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'skipped', kind: 'torn', count: 1 }));
  });

  it('skips and counts a damaged entry in the middle, shipping those around it', async () => {
    dir = tempDir();
    const ids = [makeRecord().id, makeRecord().id, makeRecord().id];
    const path = writeSegment(dir.path, 1_000, ids);
    const bytes = readFileSync(path);
    const second = bytes.indexOf(0x0a) + 1;
    bytes[second + 40]! ^= 0x01; // one flipped bit inside the second entry's JSON
    writeFileSync(path, bytes);
    const log = await reopen();
    expect(await log.drain()).toBe(true);
    expect(await tdb.ids()).toEqual(new Set([ids[0], ids[2]]));
    expect(log.stats()).toMatchObject({ corruptEntries: 1, tornEntries: 0, queued: 0 });
  });

  it('ships old segments in order before new records, and new segments follow the old names', async () => {
    dir = tempDir();
    const old = [makeRecord().id, makeRecord().id];
    // A segment named far in the future (a clock that ran ahead): new ones must still sort after it.
    writeSegment(dir.path, Date.now() + 86_400_000, old, '\0\0\0\0');
    const log = await reopen();
    const fresh = makeRecord();
    await log.write(fresh);
    expect(await log.drain()).toBe(true);
    expect(await tdb.ids()).toEqual(new Set([...old, fresh.id]));
    expect(log.stats().tornEntries).toBe(1);
  });
});
