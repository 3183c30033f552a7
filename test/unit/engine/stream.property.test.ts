// Property tests: however the output is cut into chunks, the stream filter sends exactly
// what a one-shot scan of the whole text would allow, and nothing of a blocked match.
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTORS } from '../../../src/filters/detectors/index.js';
import { evaluateSync } from '../../../src/filters/engine.js';
import { applyRedactions } from '../../../src/filters/redact.js';
import { StreamFilter } from '../../../src/filters/stream.js';
import type { CompiledRule, Detector, Finding, SyncScanner } from '../../../src/filters/types.js';
import { compilePolicy } from '../../../src/policy/compile.js';
import { hash, literalScanner, oneShot, rule, secretScanner, split, wellFormed, wordScanner } from './support.js';

// PROPERTY_RUNS raises the count for a longer hunt (e.g. 20000) without editing the test.
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 400);

const BLOCKED = ['nightingale', 'project nightingale'];

/** Block-only rules: a case-sensitive substring, whole words, and secret-like tokens. */
const blockRules: readonly CompiledRule[] = [
  rule(literalScanner(['nightingale']), { action: 'block', detector: 'literal', id: 'lit' }),
  rule(wordScanner(['project x', 'Omega']), { action: 'block', detector: 'keywords', id: 'words' }),
  rule(secretScanner(), { action: 'block', detector: 'secret', id: 'secret' }),
];

/** Redaction with overlaps between rules, a block rule, and rules that only record. */
const mixedRules: readonly CompiledRule[] = [
  rule(secretScanner(), { action: 'redact', detector: 'secret', id: 'secret' }),
  rule(literalScanner(['4111-1111', '2222']), { action: 'redact', detector: 'card', id: 'card' }),
  rule(literalScanner(['1111-2222-3']), { action: 'redact', detector: 'card2', id: 'card2' }),
  rule(wordScanner(BLOCKED), { action: 'block', detector: 'keywords', id: 'banned' }),
  rule(literalScanner(['sk-']), { action: 'flag', detector: 'prefix', id: 'prefix' }),
  rule(wordScanner(['secret', 'key']), { action: 'redact', detector: 'words', id: 'watch', mode: 'monitor' }),
];

const FILLER = [...'abeginoprstx kKS-_1234 .,\n😀é日'];
const ALNUM = [...'abcXYZ0189'];

const filler = fc.string({ unit: fc.constantFrom(...FILLER), maxLength: 20 });
const secretToken = fc
  .string({ unit: fc.constantFrom(...ALNUM), minLength: 6, maxLength: 26 })
  .map((tail) => `sk-${tail}`);
const term = fc.constantFrom(
  'nightingale',
  'Nightingale',
  'nightingal',
  'project nightingale',
  'PROJECT NIGHTINGALE',
  'project night',
  'project x',
  'omega',
  'Omegas',
  '4111-1111-2222-3333',
  '1111-2222-3',
  'secret key',
);
const text = fc.array(fc.oneof(filler, filler, term, secretToken), { maxLength: 24 }).map((parts) => parts.join(''));

/** Random cut points, or every UTF-16 unit on its own with empty deltas in between. */
const chunked = text.chain((t) =>
  fc.oneof(
    fc.array(fc.nat({ max: 10_000 }), { maxLength: 40 }).map((cuts) => ({ text: t, pieces: split(t, cuts) })),
    fc.constant({ text: t, pieces: [...t.split('').flatMap((c) => [c, ''])] }),
  ),
);

interface Streamed {
  readonly out: string;
  readonly blocked: boolean;
  readonly releases: string[];
  readonly filter: StreamFilter;
}

function stream(rules: readonly CompiledRule[], pieces: readonly string[]): Streamed {
  const filter = new StreamFilter(rules, { hash });
  const releases: string[] = [];
  let blocked = false;
  for (const piece of pieces) {
    const step = filter.push(piece);
    releases.push(step.release);
    if (step.blocked) {
      blocked = true;
      break;
    }
  }
  if (!blocked) {
    const last = filter.end();
    releases.push(last.release);
    blocked = last.blocked;
  }
  return { out: releases.join(''), blocked, releases, filter };
}

/** What a one-shot evaluation of `text` finds, for comparison with the stream's findings. */
function oneShotFindings(rules: readonly CompiledRule[], text: string): Finding[] {
  const segment = { path: [], kind: 'text' as const, role: 'assistant', text };
  return evaluateSync(rules, [segment], 'output', { hash }).findings;
}

function firstMatch(rules: readonly CompiledRule[], text: string): number | undefined {
  const starts = rules.flatMap((r) => (r.scanner.kind === 'sync' ? r.scanner.scan(text).slice(0, 1).map((s) => s.start) : []));
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

describe('StreamFilter properties', () => {
  it('(a) sends only the raw text before the first blocked match, whatever the chunking', () => {
    fc.assert(
      fc.property(chunked, fc.nat({ max: blockRules.length }), ({ text, pieces }, pick) => {
        // All rules together, or one alone so that its own length is the hold-back.
        const rules = pick === blockRules.length ? blockRules : blockRules.slice(pick, pick + 1);
        const { out, blocked, filter } = stream(rules, pieces);
        const first = firstMatch(rules, text);
        expect(blocked).toBe(first !== undefined);
        expect(out).toBe(text.slice(0, first ?? text.length));
        // Nothing was found late, in text already sent.
        expect(filter.findings().filter((f) => f.error !== undefined)).toEqual([]);
        // The record names every match in the text it kept, exactly where a one-shot scan does.
        expect(filter.findings()).toEqual(oneShotFindings(rules, filter.text()));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) sends exactly the one-shot redaction of the whole text, whatever the chunking', () => {
    fc.assert(
      fc.property(chunked, fc.nat({ max: mixedRules.length }), ({ text, pieces }, pick) => {
        const rules = pick === mixedRules.length ? mixedRules : mixedRules.slice(pick, pick + 1);
        const { out, blocked, filter } = stream(rules, pieces);
        const expected = oneShot(rules, text);
        expect(blocked).toBe(expected.blocked);
        expect(out).toBe(expected.out);
        expect(filter.findings().filter((f) => f.error !== undefined)).toEqual([]);
        expect(filter.findings()).toEqual(oneShotFindings(rules, filter.text()));
        if (!blocked) {
          // The engine, on the whole text, agrees.
          const segment = { path: [], kind: 'text' as const, role: 'assistant', text };
          const spans = evaluateSync(rules, [segment], 'output', { hash }).redactions[0]?.spans ?? [];
          expect(out).toBe(applyRedactions(text, spans));
          expect(filter.text()).toBe(text);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) sends clean text unchanged, promptly, and never half a character', () => {
    // Rules hold back as much as their longest match: 23 for the secret tokens.
    const hold = 23;
    fc.assert(
      fc.property(chunked, ({ text, pieces }) => {
        fc.pre(oneShotFindings(mixedRules, text).length === 0);
        const filter = new StreamFilter(mixedRules, { hash });
        let seen = 0;
        let sent = '';
        for (const piece of pieces) {
          const step = filter.push(piece);
          expect(step.blocked).toBe(false);
          expect(wellFormed(step.release) || !wellFormed(piece)).toBe(true);
          seen += piece.length;
          sent += step.release;
          // One more than the hold-back when a surrogate pair is waiting for its second half.
          expect(seen - sent.length).toBeLessThanOrEqual(hold + 1);
        }
        sent += filter.end().release;
        expect(sent).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });
});

// The real detectors, each with its own pendingFrom: texts are mixed from whole examples,
// random slices of them (matches cut anywhere, near misses) and filler, then cut into
// random chunks. A pendingFrom that claims text is decided too early lets part of a match
// out, or finds a match the whole text does not have: (d) and (e) then fail, and (f) checks
// that they do.

interface Corpus {
  readonly name: string;
  readonly scanner: SyncScanner;
  readonly detector: string;
  readonly texts: readonly string[];
}

/** One corpus per sync detector and set of example options. */
function corpora(): Corpus[] {
  const out: Corpus[] = [];
  for (const detector of DETECTORS as readonly Detector[]) {
    const groups = new Map<string, string[]>();
    for (const example of [...detector.examples.positive, ...detector.examples.negative]) {
      const key = JSON.stringify(example.options ?? {});
      groups.set(key, [...(groups.get(key) ?? []), example.text]);
    }
    for (const [key, texts] of groups) {
      const options = detector.options.safeParse(JSON.parse(key));
      if (!options.success) continue;
      const scanner = detector.create(options.data);
      if (scanner.kind !== 'sync') continue;
      // The ReDoS probe (5,001 characters) only makes the runs slow.
      const short = texts.filter((t) => t.length < 1000);
      if (short.length > 0) out.push({ name: `${detector.id} ${key}`, scanner, detector: detector.id, texts: short });
    }
  }
  return out;
}

const CORPORA = corpora();

/** Whole examples, slices of them, and filler, joined. */
function mixedText(texts: readonly string[]): fc.Arbitrary<string> {
  const example = fc.constantFrom(...texts);
  const slice = fc
    .tuple(example, fc.nat(), fc.nat())
    .map(([t, a, b]) => t.slice(Math.min(a, b) % (t.length + 1), Math.max(a, b) % (t.length + 1)));
  return fc.array(fc.oneof(example, slice, slice, filler), { maxLength: 8 }).map((parts) => parts.join(''));
}

function chunks(t: string): fc.Arbitrary<string[]> {
  return fc.oneof(
    fc.array(fc.nat({ max: 10_000 }), { maxLength: 40 }).map((cuts) => split(t, cuts)),
    fc.constant(t.split('')),
  );
}

/** Streams `pieces` with a cap above every example, as real-detectors.test.ts does. */
function streamReal(rules: readonly CompiledRule[], pieces: readonly string[]): Streamed {
  const filter = new StreamFilter(rules, { hash, maxHoldBack: 8192 });
  const releases: string[] = [];
  for (const piece of pieces) {
    const step = filter.push(piece);
    releases.push(step.release);
    if (step.blocked) return { out: releases.join(''), blocked: true, releases, filter };
  }
  const last = filter.end();
  releases.push(last.release);
  return { out: releases.join(''), blocked: last.blocked, releases, filter };
}

/** The stream agrees with a one-shot evaluation of the whole text (redaction and record). */
function agreesWithOneShot(rules: readonly CompiledRule[], text: string, pieces: readonly string[]): void {
  const { out, blocked, filter } = streamReal(rules, pieces);
  const expected = oneShot(rules, text);
  expect({ out, blocked }).toEqual(expected);
  expect(filter.findings().filter((f) => f.error !== undefined)).toEqual([]);
  expect(filter.findings()).toEqual(oneShotFindings(rules, filter.text()));
}

const caseOf = (index: number) =>
  mixedText(CORPORA[index]!.texts).chain((t) =>
    fc.record({ index: fc.constant(index), text: fc.constant(t), pieces: chunks(t), block: fc.boolean() }),
  );
const realCase = fc.nat({ max: CORPORA.length - 1 }).chain(caseOf);

function realRule(corpus: Corpus, scanner: SyncScanner, block: boolean): CompiledRule {
  return rule(scanner, { action: block ? 'block' : 'redact', detector: corpus.detector, id: corpus.name });
}

/** The same scanner with a pendingFrom that says everything is decided. */
function claimsTooMuch(scanner: SyncScanner): SyncScanner {
  return { kind: 'sync', maxMatchLength: scanner.maxMatchLength, scan: (t) => scanner.scan(t), pendingFrom: (t) => t.length };
}

describe('StreamFilter properties with the real detectors', () => {
  const POLICY_DIR = fileURLToPath(new URL('../../../policies/', import.meta.url));
  let defaultRules: readonly CompiledRule[] = [];
  beforeAll(async () => {
    const text = await readFile(`${POLICY_DIR}default.yaml`, 'utf8');
    defaultRules = (await compilePolicy(text, { fileName: 'default.yaml', dir: POLICY_DIR, env: {} })).rules;
  });

  it('every sync detector says where its undecided tail begins', () => {
    for (const corpus of CORPORA) expect(typeof corpus.scanner.pendingFrom, corpus.name).toBe('function');
  });

  it('(d) each detector, blocking or redacting: whatever the chunking, exactly the one-shot result', () => {
    fc.assert(
      fc.property(realCase, ({ index, text, pieces, block }) => {
        const corpus = CORPORA[index]!;
        agreesWithOneShot([realRule(corpus, corpus.scanner, block)], text, pieces);
      }),
      { numRuns: RUNS },
    );
  });

  it('(e) the default policy\'s rules together: whatever the chunking, exactly the one-shot result', () => {
    const everything = [...new Set(CORPORA.flatMap((c) => c.texts)), 'project nightingale', 'Project Bluebird', 'skylark pro', 'operation redwood', 'build-01.corp.example.com'];
    const cases = mixedText(everything).chain((t) => fc.record({ text: fc.constant(t), pieces: chunks(t) }));
    fc.assert(
      fc.property(cases, ({ text, pieces }) => agreesWithOneShot(defaultRules, text, pieces)),
      { numRuns: RUNS },
    );
  });

  it('(f) catches a pendingFrom that claims too much, for every detector', () => {
    // Per detector, not per corpus: for some patterns (`\p{L}+`) every match in progress
    // runs to the end of the text, which the stream filter holds anyway.
    const caught = new Set<string>();
    CORPORA.forEach((corpus, index) => {
      if (caught.has(corpus.detector)) return;
      const result = fc.check(
        fc.property(caseOf(index), ({ text, pieces, block }) => {
          agreesWithOneShot([realRule(corpus, claimsTooMuch(corpus.scanner), block)], text, pieces);
        }),
        { numRuns: 2000, seed: 42, endOnFailure: true },
      );
      if (result.failed) caught.add(corpus.detector);
    });
    expect([...caught].sort()).toEqual([...new Set(CORPORA.map((c) => c.detector))].sort());
  });
});
