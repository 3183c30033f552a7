// The policies shipped in policies/ are what a new user starts from and what the demo runs:
// they must load, and do what their comments say.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/filters/engine.js';
import type { Detector, Segment } from '../../../src/filters/types.js';
import { compilePolicy } from '../../../src/policy/compile.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';

const POLICY_DIR = fileURLToPath(new URL('../../../policies/', import.meta.url));
const REGISTRY = fileURLToPath(new URL('../../../src/filters/detectors/index.ts', import.meta.url));
const hasRegistry = existsSync(REGISTRY);
if (!hasRegistry) {
  console.warn(`\n!!! ${REGISTRY} does not exist yet: the bundled policy is checked against test detectors only.\n!!! (In CI, with CI set, that check fails instead of being skipped.)\n`);
}

async function loadDefault(detectors?: readonly Detector[]) {
  const text = await readFile(`${POLICY_DIR}default.yaml`, 'utf8');
  return compilePolicy(text, { fileName: 'default.yaml', dir: POLICY_DIR, env: {}, ...(detectors && { detectors }) });
}

const input = (text: string): Segment[] => [{ path: ['messages', 0, 'content'], kind: 'text', role: 'user', text }];
const hash = (s: string) => String(s.length);

describe('policies/default.yaml', () => {
  it('is valid, with the rules its comments describe', async () => {
    const policy = await loadDefault(TEST_DETECTORS);
    expect(policy.name).toBe('default');
    expect(policy.mode).toBe('enforce');
    expect(policy.storage).toEqual({ prompt: 'redacted', response: 'redacted' });
    const byRule = (id: string) => policy.rules.filter((r) => r.id === id).map((r) => `${r.detector}:${r.action}:${r.phases.join('+')}`);
    expect(byRule('no-secrets')).toEqual(['secret:block:input+output']);
    expect(byRule('pii')).toEqual(['email', 'phone', 'credit_card', 'iban', 'ssn', 'cn_resident_id'].map((d) => `${d}:redact:input+output`));
    expect(byRule('ip-addresses')).toEqual(['ip_address:flag:input+output']);
    expect(byRule('banned-terms')).toEqual(['keywords:block:input+output']);
    expect(byRule('internal-hosts')).toEqual(['regex:redact:input+output']);
    // Moderation is only there as a commented-out example (no endpoint by default).
    expect(policy.rules.some((r) => r.detector === 'moderation')).toBe(false);
    expect(policy.text).toMatch(/^ {2}# - id: moderation$/m);
    expect(policy.lists).toEqual([expect.objectContaining({ path: 'lists/banned.txt' })]);
  });

  it('blocks the demo term and redacts internal hosts (through the engine)', async () => {
    const { rules } = await loadDefault(TEST_DETECTORS);
    const blocked = await evaluate(rules, input('Status of Project Nightingale?'), 'input', { hash });
    expect(blocked.decision).toBe('block');
    expect(blocked.blockedBy).toEqual(['banned-terms']);
    const redacted = await evaluate(rules, input('see build-01.corp.example.com'), 'input', { hash });
    expect(redacted.decision).toBe('redact');
  });

  it.skipIf(!hasRegistry && process.env['CI'] === undefined)('is valid against the real detector registry', async () => {
    const { rules } = await loadDefault();
    const blocked = await evaluate(rules, input('What is the status of project nightingale?'), 'input', { hash });
    expect(blocked.blockedBy).toEqual(['banned-terms']);
    const allowed = await evaluate(rules, input('What is the capital of France?'), 'input', { hash });
    expect(allowed.decision).toBe('allow');
  });
});
