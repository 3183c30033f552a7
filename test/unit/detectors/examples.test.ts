// The one generic test (secretlint/eslint style): every registered detector's own examples.
import { describe, expect, it } from 'vitest';
import { DETECTORS, getDetector } from '../../../src/filters/detectors/index.js';
import type { Detector, DetectorExample, Span, SyncScanner } from '../../../src/filters/types.js';

/** Detectors that ask a service and so cannot carry offline examples; tested on their own. */
const SERVICE_BACKED = new Set(['moderation']);
const MIN_EXAMPLES = 4;

function syncScanner(detector: Detector, example: DetectorExample): SyncScanner {
  const scanner = detector.create(detector.options.parse(example.options ?? {}));
  if (scanner.kind !== 'sync') throw new Error(`${detector.id} is not a sync detector`);
  return scanner;
}

function expectWellFormed(spans: readonly Span[], text: string, scanner: SyncScanner): void {
  let previousEnd = 0;
  for (const span of spans) {
    expect(span.start).toBeGreaterThanOrEqual(previousEnd);
    expect(span.end).toBeGreaterThan(span.start);
    expect(span.end).toBeLessThanOrEqual(text.length);
    expect(span.end - span.start).toBeLessThanOrEqual(scanner.maxMatchLength);
    previousEnd = span.end;
  }
}

describe('detector registry', () => {
  it('lists each detector once, sorted by id', () => {
    const ids = DETECTORS.map((d) => d.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('finds detectors by id', () => {
    for (const detector of DETECTORS) expect(getDetector(detector.id)).toBe(detector);
    expect(getDetector('no-such-detector')).toBeUndefined();
  });

  it('rejects unknown option keys (a typo must not disable a rule)', () => {
    for (const detector of DETECTORS) {
      const base = detector.examples.positive[0]?.options ?? (SERVICE_BACKED.has(detector.id) ? { endpoint: 'http://127.0.0.1:1/v1' } : {});
      expect(detector.options.safeParse(base).success, detector.id).toBe(true);
      expect(detector.options.safeParse({ ...(base as object), typo_key: true }).success, detector.id).toBe(false);
    }
  });
});

for (const detector of DETECTORS) {
  if (SERVICE_BACKED.has(detector.id)) continue;
  const { positive, negative } = detector.examples;

  describe(`${detector.id} examples`, () => {
    it(`has at least ${MIN_EXAMPLES} positive and negative examples`, () => {
      expect(positive.length).toBeGreaterThanOrEqual(MIN_EXAMPLES);
      expect(negative.length).toBeGreaterThanOrEqual(MIN_EXAMPLES);
    });

    it.each(positive.map((example, i) => [i, example] as const))('positive #%i matches exactly', (_, example) => {
      expect(example.matches?.length ?? 0).toBeGreaterThan(0);
      const scanner = syncScanner(detector, example);
      const spans = scanner.scan(example.text);
      expect(spans.map((s) => example.text.slice(s.start, s.end))).toEqual(example.matches);
      expectWellFormed(spans, example.text, scanner);
    });

    it.each(negative.map((example, i) => [i, example] as const))('negative #%i does not match', (_, example) => {
      const spans = syncScanner(detector, example).scan(example.text);
      expect(spans.map((s) => example.text.slice(s.start, s.end))).toEqual([]);
    });
  });
}
