// The hash chain and its canonical form: a row hashes the same whether it is about to be
// inserted or has been read back through the driver, and any change to it shows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRecord, HASHED_COLUMNS, insertedRowTexts } from '../../../src/audit/canonical.js';
import { HashChain, recordHash } from '../../../src/audit/chain.js';
import { toRow } from '../../../src/audit/record.js';
import type { AuditRow, NewAuditRow } from '../../../src/db/schema.js';
import { makeRecord } from './support/records.js';

const row = (over: Parameters<typeof makeRecord>[0] = {}): NewAuditRow => toRow(makeRecord(over), 1_000_000);

/** What the pg driver hands back for an inserted row: jsonb parsed (keys in jsonb's order), times as Dates. */
function asStored(r: NewAuditRow): AuditRow {
  const reorder = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reorder) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v;
  return {
    ...r,
    id: String(r.id).toUpperCase(),
    received_at: new Date(r.received_at as Date),
    completed_at: new Date(r.completed_at as Date),
    upstream_error: reorder(JSON.parse(r.upstream_error as string)),
    params: reorder(JSON.parse(r.params as string)),
    findings: reorder(JSON.parse(r.findings as string)),
  } as unknown as AuditRow;
}

describe('HashChain', () => {
  it('numbers records from 1 and links each to the previous hash', () => {
    const chain = new HashChain('chain-1');
    const a = chain.next(row());
    const b = chain.next(row());
    expect(a).toMatchObject({ chain_id: 'chain-1', chain_seq: 1, prev_hash: null });
    expect(b).toMatchObject({ chain_id: 'chain-1', chain_seq: 2, prev_hash: a.hash });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(recordHash(a, 'inserted'));
    expect(chain.position()).toEqual({ seq: 2, hash: b.hash });
  });

  it('resumes where a previous writer stopped', () => {
    const first = new HashChain('c');
    first.next(row());
    const last = first.next(row());
    const resumed = new HashChain('c', first.position()!);
    const next = resumed.next(row());
    expect(next.chain_seq).toBe(3);
    expect(next.prev_hash).toBe(last.hash);
  });

  it('does not change the row it is given', () => {
    const r = row();
    const copy = { ...r };
    new HashChain('c').next(r);
    expect(r).toEqual(copy);
  });
});

describe('canonical form', () => {
  it('is the same for a row as inserted and as read back', () => {
    const chained = new HashChain('c').next(
      row({
        params: { temperature: 0.1 + 0.2, nested: { b: 1, a: [3, { z: 1, y: 2 }] } },
        upstreamError: { type: 't', code: null, message: 'm' },
        durationMs: 1234.5678901234,
        ttfbMs: 1 / 3,
        findings: [{ rule: 'r', policy: 'p', detector: 'email', phase: 'input', action: 'redact', enforced: true, count: 2, locations: [] }],
      }),
    );
    expect(recordHash(asStored(chained), 'stored')).toBe(chained.hash);
  });

  it('writes lone surrogates as U+FFFD, as UTF-8 storage does', () => {
    const chained = new HashChain('c').next(row({ prompt: 'broken \ud800 text' }));
    const stored = { ...asStored(chained), prompt: 'broken \ufffd text' } as AuditRow;
    expect(recordHash(stored, 'stored')).toBe(chained.hash);
  });

  it('fills in the defaults Postgres would store for left-out columns', () => {
    const r = row();
    const { retries: _r, client_aborted: _c, ...rest } = r;
    expect(canonicalRecord(rest, 'inserted')).toBe(canonicalRecord({ ...r, retries: 0, client_aborted: false }, 'inserted'));
  });

  it('changes with every hashed column', () => {
    const base = new HashChain('c').next(row());
    const stored = asStored(base);
    const changed: Record<string, unknown> = {
      id: '00000000-0000-7000-8000-000000000000',
      received_at: new Date(0),
      completed_at: new Date(1),
      duration_ms: 1,
      ttfb_ms: null,
      method: 'GET',
      path: '/v1/models',
      route: null,
      model: 'other',
      returned_model: null,
      stream: true,
      status: 500,
      upstream_status: 503,
      error_code: 'x',
      upstream_error: { type: 'x' },
      key_fingerprint: 'ffff',
      client_ip: '10.0.0.1',
      caller: 'x',
      client_request_id: 'x',
      upstream_request_id: null,
      params: {},
      prompt: 'hellO',
      prompt_storage: 'none',
      response: null,
      response_storage: 'none',
      prompt_tokens: 11,
      completion_tokens: 6,
      total_tokens: 17,
      cached_tokens: 1,
      reasoning_tokens: 1,
      usage_source: 'estimated',
      decision: 'block',
      findings: [{}],
      policy_version: 'v2',
      filter_ms: 9,
      retries: 1,
      request_bytes: 1,
      response_bytes: 1,
      client_aborted: true,
      chain_id: 'd',
      chain_seq: 2,
      prev_hash: 'ab',
    };
    expect(Object.keys(changed).sort()).toEqual([...HASHED_COLUMNS].sort());
    for (const [col, value] of Object.entries(changed)) {
      expect(recordHash({ ...stored, [col]: value } as AuditRow, 'stored'), col).not.toBe(base.hash);
    }
    expect(recordHash({ ...stored, hash: 'x' } as AuditRow, 'stored')).toBe(base.hash);
  });
});

describe('HashChain.nextJson', () => {
  it('is the JSON text of the row next() gives, with the same hash', () => {
    const texts = ['plain', 'lone \ud800 surrogate', 'nul \u0000 and "quotes"\n', 'ünïcödé 🙂', ''];
    const a = new HashChain('c');
    const b = new HashChain('c');
    for (const [i, text] of texts.entries()) {
      const r = row({ prompt: text, response: texts[texts.length - 1 - i]!, caller: text, model: i % 2 ? null : text, params: { z: 1, a: [text], '10': 2, '9': { y: text, b: null } } });
      expect(a.nextJson(r)).toBe(JSON.stringify(b.next(r)));
    }
    expect(a.position()).toEqual(b.position());
  });

  it('matches the canonical form built as a sorted object', () => {
    const r = { ...row({ prompt: 'x \udc00', params: { b: 1, a: { d: 2, c: '\ud800' } } }), chain_id: 'c', chain_seq: 1, prev_hash: null } as NewAuditRow;
    const sorted: Record<string, unknown> = {};
    for (const col of [...HASHED_COLUMNS].sort()) sorted[col] = null;
    const text = canonicalRecord(r, 'inserted');
    expect(Object.keys(JSON.parse(text) as object)).toEqual(Object.keys(sorted));
    expect(JSON.parse(text)).toMatchObject({ prompt: 'x \ufffd', params: { a: { c: '\ufffd', d: 2 }, b: 1 }, chain_seq: 1 });
  });
});

describe('insertedRowTexts', () => {
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('plain', 'line\nbreak "quoted"\ttab\\', 'x \ud800', 'ünï 🙂', ''));
  const value = fc.oneof(
    text,
    fc.double(),
    fc.constantFrom(0, -0, 1 / 3, Number.NaN, Number.POSITIVE_INFINITY, 1e21, -5),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: false }),
    fc.constantFrom('null', '[]', '{}', '{"b":1,"a":[2,{"d":null,"c":"\\ud800"}]}', '"s"'),
  );
  /** Any subset of the columns, in any order, with values of any kind, plus a foreign key. */
  /** Mostly values a column can take (so that most rows do not throw), sometimes any value. */
  const valueOf = (key: string) => {
    if (key === 'received_at' || key === 'completed_at') return fc.oneof({ weight: 4, arbitrary: fc.date() }, value);
    if (key === 'params' || key === 'findings' || key === 'upstream_error') return fc.oneof({ weight: 4, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) }, value);
    return value;
  };
  const rows = fc
    .shuffledSubarray([...HASHED_COLUMNS.filter((c) => !c.startsWith('chain_') && c !== 'prev_hash'), 'hash', 'other "key"'])
    .chain((keys) => fc.tuple(...keys.map((k) => valueOf(k).map((v) => [k, v] as const))))
    .map((entries) => Object.fromEntries(entries) as Partial<NewAuditRow>);
  const link = fc.record({ chain_id: text, chain_seq: fc.integer({ min: 1 }), prev_hash: fc.oneof(fc.constant(null), text) });

  /** The texts, or the error that stops them (a timestamp out of range throws in both). */
  let threw = 0;
  const outcome = (make: () => string): string => {
    try {
      return make();
    } catch (err) {
      threw++;
      return `threw ${(err as Error).name}`;
    }
  };

  it('is JSON.stringify of the row and its canonical form, for rows of any values', () => {
    fc.assert(
      fc.property(rows, link, (r, l) => {
        const texts = outcome(() => {
          const { members, canonical } = insertedRowTexts(r, l);
          return `{${members}} ${canonical}`;
        });
        expect(texts).toBe(outcome(() => `${JSON.stringify(r)} ${canonicalRecord(r, 'inserted', l)}`));
      }),
      { numRuns: 1000 },
    );
    // Both sides throw together: most rows must still have been serialised.
    expect(threw).toBeLessThan(1000);
  });

  it('is JSON.stringify of the row and its canonical form, for records as the proxy makes them', () => {
    const l = { chain_id: 'c', chain_seq: 7, prev_hash: 'ab'.repeat(32) };
    for (const r of [row(), row({ prompt: 'a "b"\n\tc\\ \ud800 🙂', params: null, findings: [], upstreamError: { type: 't', code: null, message: 'm\u0000' } }), row({ ttfbMs: null, response: null })]) {
      const { members, canonical } = insertedRowTexts(r, l);
      expect(`{${members}}`).toBe(JSON.stringify(r));
      expect(canonical).toBe(canonicalRecord(r, 'inserted', l));
    }
  });
});
