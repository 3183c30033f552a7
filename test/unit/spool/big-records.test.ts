import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HashChain } from '../../../src/audit/chain.js';
import type { AuditRecord } from '../../../src/audit/record.js';
import { toRow } from '../../../src/audit/record.js';
import { ChainOffload } from '../../../src/audit/spool/chain-offload.js';
import { decodeEntry, encodeEntries, entrySize } from '../../../src/audit/spool/entry-format.js';
import { TEXT_BYTES_MIN_CHARS, withTextStrings } from '../../../src/audit/spool/ship-row.js';
import { SpooledAuditLog } from '../../../src/audit/spool/index.js';
import { verifyChains } from '../../../src/audit/verify.js';
import { uuidv7 } from '../../../src/ids.js';
import { backends, makeRecord, openTestDb, tempDir, type TempDir, type TestDb } from './support.js';

const MAX_TEXT = 300_000;

/** Text of `chars` characters mixing what escaping and the canonical form treat specially. */
function awkward(chars: number, seed: number): string {
  const pieces = ['plain ascii words ', 'naïve café — 東京 ✓ ', '"quoted" \\back\\slash ', '\u0000nul\u0000 ', 'tab\tnew\nline\r ', '\u2028\u2029 ', '😀 pair ', 'lone \uD800 high ', 'lone \uDC00 low ', '\u007f\u0001 ', '\uFFFD '];
  let out = '';
  for (let i = seed; out.length < chars; i++) out += pieces[i % pieces.length]!;
  return out.slice(0, chars);
}

function records(): AuditRecord[] {
  return [
    makeRecord(),
    makeRecord({ prompt: awkward(200_000, 0), response: awkward(1_000, 3), params: { stop: ['\u0000', '\n'], 'k\u00e9y': 1 } }),
    makeRecord({ prompt: 'small \uD800 one' }),
    // Longer than maxTextChars: truncated, and cut inside a surrogate pair when the pair lands there.
    makeRecord({ prompt: '😀'.repeat(200_000), response: null, findings: [{ rule: '_unscanned', phase: 'input', kinds: ['image'] }] }),
    makeRecord({ prompt: null, response: awkward(150_000, 5), upstreamError: { type: 'x\u0000', message: 'é 😀' } as never }),
    makeRecord({ prompt: 'x'.repeat(140_000), caller: 'ca\u0000ller', model: 'm\uD834' }),
    makeRecord({ prompt: awkward(320_000, 7), response: awkward(350_000, 2) }),
    makeRecord(),
  ];
}

describe('chaining big records in a worker', () => {
  let offload: ChainOffload;

  beforeAll(() => {
    const o = ChainOffload.create();
    if (!o) throw new Error('the chain worker script is missing: run npm run build');
    offload = o;
  });
  afterAll(async () => {
    await offload.close();
  });

  it('gives the same entry bytes and hashes as chaining on the main thread', async () => {
    const chainId = uuidv7();
    const here = new HashChain(chainId);
    const there = new HashChain(chainId);
    for (const r of records()) {
      const json = here.nextJson(toRow(r, MAX_TEXT));
      const expected = encodeEntries([json], entrySize(json));
      const out = await offload.chain(r, MAX_TEXT, there.chainId, there.position());
      there.advance(out.position);
      expect(out.entry.equals(expected)).toBe(true);
      expect(out.position).toEqual(here.position());
    }
  });

  it('parses big lines as decodeEntry does, long texts as their UTF-8 bytes when asked', async () => {
    const chain = new HashChain(uuidv7());
    for (const r of records()) {
      const json = chain.nextJson(toRow(r, MAX_TEXT));
      const line = encodeEntries([json], entrySize(json)).subarray(0, -1);
      const expected = decodeEntry(line)!;
      expect(await offload.decode(line, false)).toEqual(expected);
      const withBytes = (await offload.decode(line, true))!;
      for (const col of ['prompt', 'response'] as const) {
        const text = expected[col];
        if (typeof text === 'string' && text.length >= TEXT_BYTES_MIN_CHARS) expect(withBytes[col]).toEqual(Buffer.from(text, 'utf8'));
        else expect(withBytes[col]).toEqual(text);
      }
      expect({ ...withBytes, prompt: null, response: null }).toEqual({ ...expected, prompt: null, response: null });
      // Back as text for the rejects file: what Postgres stores (a lone surrogate as U+FFFD).
      const text = withTextStrings(withBytes);
      for (const col of ['prompt', 'response'] as const) expect(text[col]).toEqual(Buffer.isBuffer(withBytes[col]) ? Buffer.from(expected[col]!, 'utf8').toString('utf8') : expected[col]);
    }
    const damaged = Buffer.from('00000000 {"id":"x"}');
    expect(await offload.decode(damaged, true)).toBeNull();
  });

  it('refuses a position that does not follow the chain', async () => {
    const chain = new HashChain(uuidv7(), { seq: 5, hash: 'a'.repeat(64) });
    const out = await offload.chain(records()[1]!, MAX_TEXT, chain.chainId, { seq: 1, hash: 'b'.repeat(64) });
    expect(() => chain.advance(out.position)).toThrow(/does not follow/);
  });
});

describe.each(backends())('SpooledAuditLog with big records on the %s database', (backend) => {
  let tdb: TestDb;
  const dirs: TempDir[] = [];

  beforeAll(async () => {
    tdb = await openTestDb(backend);
  });
  afterAll(async () => {
    await tdb.close();
  });
  afterEach(async () => {
    for (const d of dirs.splice(0)) d.remove();
    await tdb.truncate();
  });

  async function writeAll(bigRecordChars: number, chainId: string, rs: readonly AuditRecord[], strict: boolean): Promise<void> {
    const dir = tempDir();
    dirs.push(dir);
    const textAsBytes = bigRecordChars > 0 && backend === 'server';
    const log = await SpooledAuditLog.open({ db: tdb.db, dir: dir.path, maxTextChars: MAX_TEXT, limits: { commitMs: 5 }, chain: new HashChain(chainId), bigRecordChars, textAsBytes });
    const writes = rs.map((r) => log.write(r, strict));
    await Promise.all(writes);
    expect(await log.drain()).toBe(true);
    expect(await log.close()).toBe(true);
  }

  async function stored(chainId: string): Promise<unknown[]> {
    return tdb.db.selectFrom('audit_records').selectAll().where('chain_id', '=', chainId).orderBy('chain_seq').execute();
  }

  it.each([false, true])('stores the same rows, in write order, whichever thread chains and parses them (strict: %s)', async (strict) => {
    const rs = records();
    const chainId = uuidv7();
    await writeAll(0, chainId, rs, strict);
    const onMain = await stored(chainId);
    expect(onMain).toHaveLength(rs.length);
    await tdb.truncate();
    await writeAll(100_000, chainId, rs, strict);
    const offThread = await stored(chainId);
    expect(offThread).toHaveLength(rs.length);
    expect(offThread).toEqual(onMain);
    expect((offThread as { id: string }[]).map((r) => r.id)).toEqual(rs.map((r) => r.id));
    expect(await verifyChains(tdb.db, {})).toMatchObject({ ok: true, checked: rs.length, chains: 1 });
  });
});
