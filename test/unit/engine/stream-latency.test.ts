// "Clean text arrives whole and promptly": with the bundled default policy, a streamed reply
// is held back only where it could still end in a match (each detector's pendingFrom), not
// by a fixed window per rule. And what the default policy must catch, it still catches when
// a chunk ends inside it or right after it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { positive as secretExamples } from '../../../src/filters/detectors/secret/examples.js';
import { evaluateSync } from '../../../src/filters/engine.js';
import { StreamFilter } from '../../../src/filters/stream.js';
import type { CompiledRule, SyncScanner } from '../../../src/filters/types.js';
import { compilePolicy } from '../../../src/policy/compile.js';
import { hash, oneShot } from './support.js';

const POLICY_DIR = fileURLToPath(new URL('../../../policies/', import.meta.url));

/** Ordinary assistant prose: numbers, dates, percentages, brackets, quotes, a list. */
const PARAGRAPHS = [
  'The quarterly review went well. Our team shipped three features in 2024, and the customer survey (run by an outside firm) showed satisfaction rising from 71% to 84%.',
  'Next, we plan to improve onboarding: shorter forms, clearer error messages, and a faster first-run experience. "It just works," one user wrote; another asked for keyboard shortcuts.',
  'Here is a summary of the options:\n1. Keep the current plan and revisit it in Q3.\n2. Hire two more engineers (one front-end, one back-end) by March 15.\n3. Pause the mobile app until the web client is stable.',
  "I'd recommend option 2. It costs about $240,000 a year, but it cuts the time to market by roughly six weeks - and the pipeline review on 12/04 suggested that matters more than the budget.",
  'Some caveats: the estimate assumes a 40-hour week, no major outages, and the vendor delivering version 3.2 of the SDK on time. If any of those slips, we should re-plan.',
  'Let me know if you want a deeper dive into any of these, or a short slide deck for the all-hands meeting on Friday.',
];

function prose(length: number): string {
  let text = '';
  for (let i = 0; text.length < length; i++) text += `${PARAGRAPHS[i % PARAGRAPHS.length]}\n\n`;
  return text.slice(0, length);
}

interface Streamed {
  readonly out: string;
  readonly blocked: boolean;
  /** The most text that was pushed but not yet released, over every step. */
  readonly maxLag: number;
}

function stream(rules: readonly CompiledRule[], text: string, chunk: number): Streamed {
  const filter = new StreamFilter(rules, { hash });
  let seen = 0;
  let out = '';
  let maxLag = 0;
  for (let i = 0; i < text.length; i += chunk) {
    const piece = text.slice(i, i + chunk);
    seen += piece.length;
    const step = filter.push(piece);
    out += step.release;
    if (step.blocked) return { out, blocked: true, maxLag };
    maxLag = Math.max(maxLag, seen - out.length);
  }
  const last = filter.end();
  return { out: out + last.release, blocked: last.blocked, maxLag };
}

/** The rules as they were before pendingFrom: every scanner holds its whole bound. */
function withoutPendingFrom(rules: readonly CompiledRule[]): CompiledRule[] {
  return rules.map((r) => {
    if (r.scanner.kind !== 'sync') return r;
    const { scan, maxMatchLength } = r.scanner;
    const scanner: SyncScanner = { kind: 'sync', maxMatchLength, scan };
    return { ...r, scanner };
  });
}

describe('streaming with the default policy', () => {
  let rules: readonly CompiledRule[] = [];
  beforeAll(async () => {
    const text = await readFile(`${POLICY_DIR}default.yaml`, 'utf8');
    rules = (await compilePolicy(text, { fileName: 'default.yaml', dir: POLICY_DIR, env: {} })).rules;
  });

  it('releases clean prose within a word or so of where it has got to', () => {
    const text = prose(3000);
    const segment = { path: [], kind: 'text' as const, role: 'assistant', text };
    expect(evaluateSync(rules, [segment], 'output', { hash }).findings).toEqual([]);

    const streamed = stream(rules, text, 5);
    expect(streamed).toMatchObject({ out: text, blocked: false });
    // Measured: 16 (a digit holds the 16 characters the phone detector reads around a
    // candidate). A fixed window per rule held all 3,000 characters until the end.
    expect(streamed.maxLag).toBeLessThanOrEqual(40);
    expect(stream(withoutPendingFrom(rules), text, 5).maxLag).toBe(text.length);
  });

  // Built at run time from the detectors' examples, so no key-shaped literal is here.
  const GITHUB_TOKEN = secretExamples[1]!.matches![0]!;
  const RSA_KEY = secretExamples.find((e) => e.text.startsWith('here is my key'))!.matches![0]!;
  const sensitive: ReadonlyArray<readonly [string, string]> = [
    ['a token', GITHUB_TOKEN],
    ['a key block', RSA_KEY],
    ['a password assignment', 'password = "Xk9#mP2$vL8@qR4!"'],
    ['an address', 'jane.doe@example.com'],
    ['a card', '4111 1111 1111 1111'],
    ['an IBAN', 'DE89 3704 0044 0532 0130 00'],
    ['a phone number', '(415) 555-2671'],
    ['a banned term', 'Project Nightingale'],
    ['an internal host', 'build-01.corp.example.com'],
  ];

  it.each(sensitive)('catches %s that a chunk ends in or right after, as a one-shot scan does', (_, item) => {
    const before = prose(300);
    for (const tail of ['', ' and more text follows.', '.']) {
      // Every position of the item relative to the 5-character chunk boundaries, and chunk
      // sizes that cut it in other places.
      for (let shift = 0; shift < 5; shift++) {
        const text = `${before.slice(0, before.length - shift)} ${item}${tail}`;
        const expected = oneShot(rules, text);
        expect(expected.out).not.toContain(item);
        for (const chunk of [1, 5, 7]) {
          const streamed = stream(rules, text, chunk);
          expect({ out: streamed.out, blocked: streamed.blocked }).toEqual(expected);
        }
      }
    }
  });
});
