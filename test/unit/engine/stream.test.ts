import { describe, expect, it } from 'vitest';
import { StreamFilter } from '../../../src/filters/stream.js';
import type { StreamStep } from '../../../src/filters/stream.js';
import type { CompiledRule, SyncScanner } from '../../../src/filters/types.js';
import { asyncScanner, hash, literalScanner, re2Scanner, rule, secretScanner, throwingScanner, wellFormed, wordScanner } from './support.js';

/** Pushes every piece, then ends; returns each step and the concatenated release. */
function run(filter: StreamFilter, pieces: readonly string[]): { steps: StreamStep[]; out: string } {
  const steps = pieces.map((p) => filter.push(p));
  steps.push(filter.end());
  return { steps, out: steps.map((s) => s.release).join('') };
}

const secretRedact = (): CompiledRule => rule(secretScanner(), { action: 'redact', detector: 'secret', id: 'no-secrets' });
const bannedBlock = (): CompiledRule => rule(wordScanner(['project nightingale']), { action: 'block', detector: 'keywords', id: 'banned' });

describe('StreamFilter: redaction', () => {
  it('redacts a match split across chunks, and sends none of it', () => {
    const filter = new StreamFilter([secretRedact()], { hash });
    const { steps, out } = run(filter, ['my key is s', 'k-abc', 'defghij', 'klmn, done', '.']);
    expect(out).toBe('my key is [REDACTED:secret], done.');
    for (const step of steps) expect(step.release).not.toMatch(/s$|sk-|abc/);
    expect(steps.every((s) => !s.blocked)).toBe(true);
    const secret = 'sk-abcdefghijklmn';
    expect(filter.text()).toBe(`my key is ${secret}, done.`);
    expect(filter.findings()).toEqual([
      expect.objectContaining({ rule: 'no-secrets', action: 'redact', count: 1, locations: [{ segment: 0, start: 10, end: 27, hash: hash(secret) }] }),
    ]);
    expect(JSON.stringify(filter.findings())).not.toContain(secret);
  });

  it('redacts several matches, adjacent ones separately', () => {
    const filter = new StreamFilter([rule(literalScanner(['aa', 'bb']), { action: 'redact', detector: 'x' })], { hash });
    expect(run(filter, ['aab', 'b cc a', 'a']).out).toBe('[REDACTED:x][REDACTED:x] cc [REDACTED:x]');
    expect(filter.findings()[0]?.count).toBe(3);
  });

  it('merges overlapping matches of two rules as the engine does', () => {
    const email = rule(literalScanner(['bob@corp.example.com']), { action: 'redact', detector: 'email' });
    const host = rule(literalScanner(['corp.example.com']), { action: 'redact', detector: 'host' });
    const filter = new StreamFilter([host, email], { hash });
    expect(run(filter, ['mail bob@co', 'rp.exam', 'ple.com now']).out).toBe('mail [REDACTED:email] now');
  });
});

describe('StreamFilter: blocking', () => {
  it('keeps the text before the match, then reports blocked and sends nothing more', () => {
    const filter = new StreamFilter([bannedBlock(), secretRedact()], { hash });
    const steps = ['Key sk-abcdefghijk', 'lm. About pro', 'ject night', 'ingale: it is'].map((p) => filter.push(p));
    const out = steps.map((s) => s.release).join('');
    expect(out).toBe('Key [REDACTED:secret]. About ');
    expect(steps.at(-1)?.blocked).toBe(true);
    expect(steps.slice(0, -1).every((s) => !s.blocked)).toBe(true);
    expect(filter.push(' more')).toEqual({ release: '', blocked: true });
    expect(filter.end()).toEqual({ release: '', blocked: true });
    expect(filter.text()).toBe('Key sk-abcdefghijklm. About project nightingale: it is');
    expect(filter.findings().map((f) => [f.rule, f.count])).toEqual([
      ['banned', 1],
      ['no-secrets', 1],
    ]);
  });

  it('blocks at end() on a match that only the end makes whole', () => {
    const filter = new StreamFilter([bannedBlock()], { hash });
    expect(filter.push('say project nightingale').release).toBe('say ');
    expect(filter.end()).toEqual({ release: '', blocked: true });
  });

  it('does not block on a word that only starts like the term', () => {
    const filter = new StreamFilter([bannedBlock()], { hash });
    expect(run(filter, ['say project nightingale', 's twice']).out).toBe('say project nightingales twice');
    expect(filter.findings()).toEqual([]);
  });

  it('waits on a match that runs to the end of the text, even one longer than declared', () => {
    // `a+$` declares 3 but matches any run of a's that ends the text: only the next
    // character tells whether the run ends the text.
    const underDeclared = (): CompiledRule => rule(re2Scanner('a+$', '', 3), { action: 'block' });
    const cancelled = new StreamFilter([underDeclared()], { hash });
    expect(run(cancelled, ['x aaaa', 'aaaaaa', 'aab']).out).toBe('x aaaaaaaaaaaab');
    const confirmed = new StreamFilter([underDeclared()], { hash });
    const steps = run(confirmed, ['x aaaa', 'aaaaaa', 'aa']).steps;
    expect(steps.map((s) => s.release)).toEqual(['x ', '', '', '']);
    expect(steps.at(-1)?.blocked).toBe(true);
    // Beyond the cap it stops waiting and blocks: failing closed.
    const capped = new StreamFilter([underDeclared()], { hash, maxHoldBack: 8 });
    expect(capped.push('x aaaa').blocked).toBe(false);
    expect(capped.push('aaaaaa')).toEqual({ release: '', blocked: true });
  });

  it('records, but does not act on, monitor-mode and flag rules', () => {
    const monitored = rule(literalScanner(['nightingale']), { action: 'block', mode: 'monitor' });
    const flag = rule(literalScanner(['sk-']), { action: 'flag' });
    const filter = new StreamFilter([monitored, flag], { hash });
    // No enforced block or redact rule: nothing is held back.
    expect(filter.push('a nightingale').release).toBe('a nightingale');
    expect(filter.push(' and sk-1').release).toBe(' and sk-1');
    filter.end();
    expect(filter.findings()).toEqual([
      expect.objectContaining({ rule: monitored.id, enforced: false, count: 1, locations: [expect.objectContaining({ start: 2, end: 13 })] }),
      expect.objectContaining({ rule: flag.id, enforced: true, action: 'flag', count: 1 }),
    ]);
  });
});

describe('StreamFilter: failures', () => {
  it('fails closed on a throwing enforced block or redact rule, releasing nothing more', () => {
    const filter = new StreamFilter([rule(throwingScanner(), { action: 'redact', id: 'bad' })], { hash });
    expect(filter.push('hello')).toEqual({ release: '', blocked: true });
    expect(filter.findings()).toEqual([expect.objectContaining({ rule: 'bad', action: 'block', enforced: true, error: 'Error: detector bug' })]);
  });

  it('records a throwing flag rule and keeps streaming', () => {
    const filter = new StreamFilter([rule(throwingScanner(), { action: 'flag', id: 'bad' })], { hash });
    expect(run(filter, ['hello', ' world']).out).toBe('hello world');
    expect(filter.findings()).toEqual([expect.objectContaining({ rule: 'bad', enforced: false, error: 'Error: detector bug' })]);
  });

  it('says so when a match longer than the hold-back cap slipped out in part', () => {
    // An unbounded detector recognised only by its end, capped at 8: its start is sent
    // before the match can be seen.
    const late = rule(re2Scanner('[a-z]+_end', '', Infinity), { action: 'redact', detector: 't' });
    const filter = new StreamFilter([late], { hash, maxHoldBack: 8 });
    expect(run(filter, ['x abcdefghij', 'klmnop_e', 'nd y']).out).toBe('x abcdefghij[REDACTED:t] y');
    expect(filter.findings()[0]?.error).toMatch(/hold-back/);
    // Within the cap nothing slips and nothing is reported.
    const fine = new StreamFilter([late], { hash, maxHoldBack: 64 });
    expect(run(fine, ['x abcdefghij', 'klmnop_e', 'nd y']).out).toBe('x [REDACTED:t] y');
    expect(fine.findings()[0]?.error).toBeUndefined();
  });

  it('holds a growing match up to the cap, then labels it and says its tail may have slipped', () => {
    const token = rule(re2Scanner('tok_[a-z]+', '', Infinity), { action: 'redact', detector: 'token' });
    const pieces = ['x tok_abcd', 'efghijklmno', 'pq y'];
    // Within the cap the whole match is held until it ends.
    const held = new StreamFilter([token], { hash, maxHoldBack: 64 });
    expect(run(held, pieces).out).toBe('x [REDACTED:token] y');
    // Past it, holding more would make every push rescan a growing window: the label goes
    // out, and the window, having lost the match's start, no longer recognises its tail.
    const capped = new StreamFilter([token], { hash, maxHoldBack: 8 });
    expect(run(capped, pieces).out).toBe('x [REDACTED:token]pq y');
    expect(capped.findings()[0]).toMatchObject({ count: 1, error: expect.stringMatching(/hold-back/) });
  });
});

describe('StreamFilter: pendingFrom', () => {
  /** `tok_` and letters, with a pendingFrom that says what it is told to (and records calls). */
  function tokens(pendingFrom: (text: string, from: number) => number, maxMatchLength = 40): { scanner: SyncScanner; calls: Array<[string, number]> } {
    const inner = re2Scanner('tok_[a-z]+', '', maxMatchLength);
    const calls: Array<[string, number]> = [];
    const scanner: SyncScanner = {
      kind: 'sync',
      maxMatchLength,
      scan: (text) => inner.scan(text),
      pendingFrom(text, from) {
        calls.push([text, from]);
        return pendingFrom(text, from);
      },
    };
    return { scanner, calls };
  }
  /** The honest answer: from the last `t`, `to`, `tok` or `tok_…` that ends the text. */
  const honest = (text: string, from: number): number => {
    const m = /(?:t|to|tok|tok_[a-z]*)$/.exec(text.slice(from));
    return m === null ? text.length : from + m.index;
  };

  it('holds back only what the scanner says is undecided', () => {
    const { scanner } = tokens(honest);
    const filter = new StreamFilter([rule(scanner, { action: 'redact', detector: 'tok' })], { hash });
    expect(filter.push('hello wor').release).toBe('hello wor');
    expect(filter.push('ld, to').release).toBe('ld, ');
    expect(filter.push('k_abc').release).toBe('');
    expect(filter.push('def and').release).toBe('[REDACTED:tok] and');
    expect(filter.end().release).toBe('');
  });

  it('never holds more than the bound, and looks only at the last bound of text', () => {
    const { scanner, calls } = tokens(() => 0, 10);
    const filter = new StreamFilter([rule(scanner, { action: 'redact', detector: 'tok' })], { hash });
    expect(filter.push('a'.repeat(25)).release).toBe('a'.repeat(15));
    const [text, from] = calls.at(-1)!;
    expect(text.length - from).toBe(10);
  });

  it('treats an answer out of range as no answer: the bound', () => {
    for (const answer of [-1, Number.NaN, 1.5, Infinity]) {
      const { scanner } = tokens(() => answer, 10);
      const filter = new StreamFilter([rule(scanner, { action: 'redact', detector: 'tok' })], { hash });
      expect(filter.push('a'.repeat(25)).release.length, String(answer)).toBe(15);
    }
  });

  it('fails closed when pendingFrom throws', () => {
    const { scanner } = tokens(() => {
      throw new Error('pending bug');
    });
    const filter = new StreamFilter([rule(scanner, { action: 'redact', id: 'bad' })], { hash });
    expect(filter.push('hello')).toEqual({ release: '', blocked: true });
    expect(filter.findings()).toEqual([expect.objectContaining({ rule: 'bad', action: 'block', error: 'Error: pending bug' })]);
  });

  it('never shows pendingFrom the first half of a surrogate pair', () => {
    const { scanner, calls } = tokens(honest);
    const filter = new StreamFilter([rule(scanner, { action: 'redact', detector: 'tok' })], { hash });
    const out = [filter.push('a 😀'.slice(0, 3)).release, filter.push('😀'.slice(1)).release, filter.end().release];
    expect(calls.every(([text]) => !/[\uD800-\uDBFF]$/.test(text))).toBe(true);
    expect(out).toEqual(['a ', '😀', '']);
  });

  it('takes the earliest undecided point over the rules that act', () => {
    const early = tokens(() => 0, 30).scanner;
    const late = tokens((text) => text.length, 30).scanner;
    const flagged = tokens(() => 0, 30).scanner;
    const filter = new StreamFilter(
      [rule(late, { action: 'block' }), rule(early, { action: 'redact' }), rule(flagged, { action: 'flag' })],
      { hash },
    );
    expect(filter.push('x'.repeat(50)).release).toBe('x'.repeat(20));
  });
});

describe('StreamFilter: flow', () => {
  it('releases clean text with a lag of at most the hold-back', () => {
    const filter = new StreamFilter([rule(wordScanner(['alpha', 'omega']), { action: 'block' })], { hash });
    const clean = 'the quick brown fox jumps over the lazy dog. '.repeat(50);
    let seen = 0;
    let sent = 0;
    for (let i = 0; i < clean.length; i += 3) {
      const piece = clean.slice(i, i + 3);
      seen += piece.length;
      sent += filter.push(piece).release.length;
      expect(seen - sent).toBeLessThanOrEqual(5);
    }
    sent += filter.end().release.length;
    expect(sent).toBe(clean.length);
  });

  it('passes everything through at once without sync output rules', () => {
    const inputOnly = rule(literalScanner(['x']), { action: 'block', phases: ['input'] });
    const moderation = rule(asyncScanner(async () => ({ flagged: true, categories: [] })), { action: 'block' });
    const filter = new StreamFilter([inputOnly, moderation], { hash });
    expect(filter.push('x marks')).toEqual({ release: 'x marks', blocked: false });
    expect(filter.end()).toEqual({ release: '', blocked: false });
    expect(filter.findings()).toEqual([]);
  });

  it('ignores empty deltas and refuses a push after end', () => {
    const filter = new StreamFilter([secretRedact()], { hash });
    expect(filter.push('')).toEqual({ release: '', blocked: false });
    filter.end();
    expect(() => filter.push('late')).toThrow(/after end/);
  });

  it('never sends half of a surrogate pair', () => {
    const filter = new StreamFilter([rule(literalScanner(['ab']), { action: 'redact' })], { hash });
    const text = 'x😀y😀';
    const steps = run(filter, [...text.split('')]).steps; // splits every pair in two
    for (const step of steps) expect(wellFormed(step.release)).toBe(true);
    expect(steps.map((s) => s.release).join('')).toBe(text);
  });

  it('rescans a bounded window, so a long stream stays linear', () => {
    let longest = 0;
    const inner = re2Scanner('tok_[a-z]+', '', Infinity);
    const spy: SyncScanner = {
      kind: 'sync',
      maxMatchLength: Infinity,
      scan(text) {
        longest = Math.max(longest, text.length);
        return inner.scan(text);
      },
    };
    const flag = rule(re2Scanner('zzz', '', 3), { action: 'flag' });
    const filter = new StreamFilter([rule(spy, { action: 'redact' }), flag], { hash, maxHoldBack: 1000 });
    const chunk = 'lorem ipsum dolor sit amet, consectetur adipiscing elit zzz. ';
    let out = '';
    for (let i = 0; i < 20_000; i++) out += filter.push(chunk).release;
    // Window = held tail + context before it + the delta: about 2 × hold-back + chunk.
    expect(longest).toBeLessThanOrEqual(2 * 1000 + 2 * chunk.length);
    out += filter.end().release;
    expect(out.length).toBe(chunk.length * 20_000);
    expect(filter.findings().find((f) => f.rule === flag.id)?.count).toBe(20_000);
  });
});
