// The stream filter with the registered detectors: for each sync detector, its own examples
// (true and false positives, grouped by options) are joined into one long text, streamed
// in random chunks, and must come out exactly as a one-shot evaluation of the whole text
// would have it. This is where a detector's maxMatchLength and pendingFrom meet the
// hold-back (stream.property.test.ts mixes the examples more thoroughly).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../../../src/filters/detectors/index.js';
import { evaluateSync } from '../../../src/filters/engine.js';
import { applyRedactions } from '../../../src/filters/redact.js';
import { StreamFilter } from '../../../src/filters/stream.js';
import type { CompiledRule, Detector, Segment } from '../../../src/filters/types.js';
import { hash, rule, split } from './support.js';

interface Corpus {
  readonly name: string;
  readonly rule: CompiledRule;
  readonly text: string;
}

function corpora(): Corpus[] {
  const out: Corpus[] = [];
  for (const detector of DETECTORS as readonly Detector[]) {
    const groups = new Map<string, string[]>();
    for (const example of [...detector.examples.positive, ...detector.examples.negative]) {
      const key = JSON.stringify(example.options ?? {});
      groups.set(key, [...(groups.get(key) ?? []), example.text]);
    }
    for (const [key, texts] of groups) {
      // Detectors' own bounds, not smaller ones: the secret detector only recognises a PEM
      // block (about 3,300 characters) once its END line arrives, so a hold-back below
      // that lets its start out (and the finding then says so).
      const options = detector.options.safeParse(JSON.parse(key));
      if (!options.success) continue;
      const scanner = detector.create(options.data);
      if (scanner.kind !== 'sync') continue;
      // Three rounds, so the text is longer than the hold-backs and the window has to move.
      const text = Array.from({ length: 3 }, () => texts.join(' | ')).join('\n');
      out.push({ name: `${detector.id} ${key}`, rule: rule(scanner, { action: 'redact', detector: detector.id }), text });
    }
  }
  return out;
}

const CORPORA = corpora();
const segment = (text: string): Segment => ({ path: [], kind: 'text', role: 'assistant', text });

function stream(rules: readonly CompiledRule[], pieces: readonly string[], cap: number | null = 8192): { out: string; blocked: boolean; filter: StreamFilter } {
  // A cap above the longest example (5,001 characters, a ReDoS probe for the regex
  // detector): a match running to the end of the text seen is held up to the cap, so
  // one that only a later character cancels (`(a+)+$` then `b`) never acts.
  const filter = new StreamFilter(rules, { hash, ...(cap === null ? {} : { maxHoldBack: cap }) });
  let out = '';
  for (const piece of pieces) {
    const step = filter.push(piece);
    out += step.release;
    if (step.blocked) return { out, blocked: true, filter };
  }
  const last = filter.end();
  return { out: out + last.release, blocked: last.blocked, filter };
}

describe('StreamFilter with the registered detectors', () => {
  it('has sync detectors with examples to stream', () => {
    expect(new Set(CORPORA.map((c) => c.rule.detector))).toContain('keywords');
    expect(new Set(CORPORA.map((c) => c.rule.detector))).toContain('secret');
  });

  it('redacts every example text as a one-shot evaluation does, whatever the chunking', () => {
    // Cases name their corpus by index, so a counterexample stays readable.
    const cases = fc.record({ index: fc.nat({ max: CORPORA.length - 1 }), cuts: fc.array(fc.nat({ max: 100_000 }), { maxLength: 80 }) });
    fc.assert(
      fc.property(cases, ({ index, cuts }) => {
        const corpus = CORPORA[index] as Corpus;
        const pieces = split(corpus.text, cuts);
        const whole = evaluateSync([corpus.rule], [segment(corpus.text)], 'output', { hash });
        const { out, filter } = stream([corpus.rule], pieces);
        expect(out).toBe(applyRedactions(corpus.text, whole.redactions[0]?.spans ?? []));
        expect(filter.findings()).toEqual(whole.findings);
      }),
      { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 300) },
    );
  });

  it('blocks before the first match, one character at a time', () => {
    for (const corpus of CORPORA) {
      const blocking = { ...corpus.rule, action: 'block' as const };
      const first = blocking.scanner.kind === 'sync' ? blocking.scanner.scan(corpus.text)[0] : undefined;
      const { out, blocked } = stream([blocking], corpus.text.split(''));
      expect({ name: corpus.name, out, blocked }).toEqual({
        name: corpus.name,
        out: corpus.text.slice(0, first?.start ?? corpus.text.length),
        blocked: first !== undefined,
      });
    }
  });
});

describe('StreamFilter and keywords padded past their hold-back', () => {
  // A folded character can stand for any number of original ones: marks, invisible
  // characters, soft hyphens. The term must still be held whole (the default cap, 4,096).
  const keywords = DETECTORS.find((d) => d.id === 'keywords')!;
  const scanner = keywords.create(keywords.options.parse({ keywords: ['project nightingale', 'omega'] }));
  const pad = (text: string, filler: string) => [...text].map((ch) => ch + (ch === ' ' ? '' : filler)).join('');
  const evasions = [
    pad('project nightingale', '\u0301'.repeat(8)),
    pad('project nightingale', '\u00ad'.repeat(9)),
    pad('project nightingale', '\u200b'.repeat(200)),
    `project${'\u200b'.repeat(3000)} nightingale`,
    pad('PROJECT NIGHTINGALE', '\u0308\u200d'),
  ];

  it('blocks each before any letter of it is sent, in pieces of 1 to 50 characters', () => {
    for (const evasion of evasions) {
      const text = `Here is the plan: ${evasion}, done.`;
      expect(scanner.kind === 'sync' && scanner.scan(text).length, 'found one-shot').toBe(1);
      for (const size of [1, 2, 7, 50]) {
        const pieces = text.match(new RegExp(`[^]{1,${size}}`, 'g'))!;
        const { out, blocked } = stream([rule(scanner, { action: 'block', detector: 'keywords' })], pieces, null);
        expect(blocked, `size ${size}`).toBe(true);
        expect(out, `size ${size}`).toBe('Here is the plan: ');
      }
    }
  });

  it('records a term padded past the cap, which went out in pieces, with an error saying so', () => {
    const text = `x b${'\u200b'.repeat(4100)}ad y`;
    const bad = keywords.create(keywords.options.parse({ keywords: ['bad'] }));
    const blocking = rule(bad, { action: 'block', detector: 'keywords' });
    const { out, blocked, filter } = stream([blocking], text.match(/[^]{1,50}/g)!, null);
    expect(blocked).toBe(false); // longer than any hold-back: it could not be stopped
    expect(out).toBe(text);
    const [finding] = filter.findings();
    expect(finding).toMatchObject({ rule: blocking.id, count: 1, error: expect.stringContaining('longer than the hold-back') });
    expect(finding!.locations[0]).toMatchObject({ start: 2, end: text.length - 2 });
  });

  it('redacts each whole, as a one-shot evaluation does', () => {
    const redacting = rule(scanner, { action: 'redact', detector: 'keywords' });
    for (const evasion of evasions) {
      const text = `a ${evasion} b ${evasion}.`;
      const whole = evaluateSync([redacting], [segment(text)], 'output', { hash });
      for (const size of [1, 5, 64]) {
        const pieces = text.match(new RegExp(`[^]{1,${size}}`, 'g'))!;
        expect(stream([redacting], pieces, null).out).toBe(applyRedactions(text, whole.redactions[0]!.spans));
      }
    }
  });
});
