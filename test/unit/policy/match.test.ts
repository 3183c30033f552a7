import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/policy/compile.js';
import { compileGlob } from '../../../src/policy/glob.js';
import { createSelector, selectPolicies, strictestStorage } from '../../../src/policy/match.js';
import { createSnapshot } from '../../../src/policy/snapshot.js';
import type { CompiledPolicy } from '../../../src/policy/types.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';

async function policy(name: string, head: string, ruleId = `${name}-rule`): Promise<CompiledPolicy> {
  const text = `name: ${name}\n${head}\nrules:\n  - {id: ${ruleId}, detector: email, action: flag}\n`;
  return compilePolicy(text, { fileName: `${name}.yaml`, env: {}, detectors: TEST_DETECTORS });
}

describe('globs', () => {
  it.each([
    ['gpt-5*', 'gpt-5.5-mini', true],
    ['gpt-5*', 'gpt-4o', false],
    ['*-mini', 'gpt-5-mini', true],
    ['*mini*', 'o4-mini-high', true],
    ['gpt-?o', 'gpt-4o', true],
    ['gpt-?o', 'gpt-40o', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['*', '', true],
    ['a.b', 'aXb', false],
    ['[x]', '[x]', true],
  ])('%s vs %s -> %s', (glob, value, expected) => {
    expect(compileGlob(glob, false)(value)).toBe(expected);
  });

  it('folds case only when asked', () => {
    expect(compileGlob('GPT-5*', true)('gpt-5.5')).toBe(true);
    expect(compileGlob('AbC*', false)('abc')).toBe(false);
  });

  it('stays fast on a hostile input', () => {
    const glob = compileGlob('a*a*a*a*a*a*a*b', false);
    const started = performance.now();
    expect(glob('a'.repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('selectPolicies', () => {
  it('matches models (case-insensitive), callers, keys (case-sensitive); omitted or empty = all', async () => {
    const set = createSnapshot([
      await policy('all', 'match: {keys: []}'),
      await policy('gpt5', 'match: {models: ["gpt-5*"]}'),
      await policy('billing', 'match: {callers: ["billing-*", "invoices"]}'),
      await policy('key', 'match: {keys: ["ab12*"]}'),
      await policy('both', 'match: {models: ["*-mini"], callers: ["billing-*"]}'),
    ]);
    const names = (ctx: Parameters<typeof set.select>[0]) => selectPolicies(set, ctx).policies.map((p) => p.name);
    expect(names({ model: 'GPT-5.5', caller: null, keyFingerprint: null })).toEqual(['all', 'gpt5']);
    expect(names({ model: 'gpt-5-mini', caller: 'Billing-EU', keyFingerprint: 'ab12ff' })).toEqual(['all', 'billing', 'both', 'gpt5', 'key']);
    expect(names({ model: 'gpt-4o', caller: 'invoices', keyFingerprint: 'AB12FF' })).toEqual(['all', 'billing']);
    // No caller header: `billing-*` does not fit.
    expect(names({ model: 'o3-mini' })).toEqual(['all']);
  });

  it('merges the rules of the matched policies in name order', async () => {
    const set = createSnapshot([await policy('b', 'mode: enforce', 'rb'), await policy('a', 'mode: monitor', 'ra')]);
    const selection = set.select({ model: 'x' });
    expect(selection.rules.map((r) => [r.policy, r.id, r.mode])).toEqual([
      ['a', 'ra', 'monitor'],
      ['b', 'rb', 'enforce'],
    ]);
  });

  it('takes the strictest storage rule per field: none > redacted > full', async () => {
    const set = createSnapshot([
      await policy('open', 'storage: {prompt: full, response: full}'),
      await policy('hr', 'match: {callers: ["hr-*"]}\nstorage: {prompt: none, response: full}'),
      await policy('legal', 'match: {callers: ["hr-legal"]}\nstorage: {prompt: full, response: redacted}'),
    ]);
    expect(set.select({ caller: 'sales' }).storage).toEqual({ prompt: 'full', response: 'full' });
    expect(set.select({ caller: 'hr-payroll' }).storage).toEqual({ prompt: 'none', response: 'full' });
    expect(set.select({ caller: 'hr-legal' }).storage).toEqual({ prompt: 'none', response: 'redacted' });
    expect(strictestStorage([])).toEqual({ prompt: 'redacted', response: 'redacted' });
  });

  it('returns the same cached selection for the same call shape, and default storage when nothing matches', async () => {
    const select = createSelector([await policy('gpt5', 'match: {models: ["gpt-5*"]}')]);
    const first = select({ model: 'gpt-5', caller: 'a' });
    expect(select({ model: 'gpt-5', caller: 'a' })).toBe(first);
    const none = select({ model: 'claude' });
    expect(none.policies).toEqual([]);
    expect(none.rules).toEqual([]);
    expect(none.storage).toEqual({ prompt: 'redacted', response: 'redacted' });
  });

  it('accepts a plain list of policies too', async () => {
    const list = [await policy('gpt5', 'match: {models: ["gpt-5*"]}')];
    expect(selectPolicies(list, { model: 'gpt-5' }).policies).toHaveLength(1);
    expect(selectPolicies(list, { model: 'gpt-4' }).policies).toHaveLength(0);
  });
});
