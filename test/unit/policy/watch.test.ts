import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../../src/policy/registry.js';
import { watchPolicies } from '../../../src/policy/watch.js';
import type { PolicyWatcher, WatchOptions } from '../../../src/policy/watch.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';
import { makePolicyDir, put, waitFor } from './fixtures/files.js';

const EMAIL = 'rules:\n  - {id: mail, detector: email, action: redact}\n';
const PHONE = 'rules:\n  - {id: tel, detector: phone, action: flag}\n';

let stop: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stop.reverse()) await s();
  stop = [];
});

async function watched(files: Record<string, string>, options: WatchOptions = {}) {
  const { dir, cleanup } = await makePolicyDir(files);
  const registry = new PolicyRegistry({ dir, env: {}, detectors: TEST_DETECTORS });
  await registry.loadDir();
  const errors: unknown[] = [];
  const watcher: PolicyWatcher = watchPolicies(registry, { debounceMs: 50, onError: (e) => errors.push(e), ...options });
  stop.push(cleanup, () => watcher.close());
  const rules = (name: string) => registry.snapshot().get(name)?.rules.map((r) => r.id);
  return { dir, registry, rules, errors };
}

describe('watchPolicies', () => {
  it('applies an edit within a few seconds', async () => {
    const { dir, rules } = await watched({ 'p.yaml': EMAIL });
    await writeFile(join(dir, 'p.yaml'), PHONE);
    await waitFor('the edit to be applied', () => rules('p')?.[0] === 'tel');
  });

  it('follows editors that save by writing a temp file and renaming it over', async () => {
    const { dir, rules } = await watched({ 'p.yaml': EMAIL });
    await writeFile(join(dir, '.p.yaml.swp'), PHONE);
    await rename(join(dir, '.p.yaml.swp'), join(dir, 'p.yaml'));
    await waitFor('the renamed file to be applied', () => rules('p')?.[0] === 'tel');
    // And again: the watch is on the directory, not on the replaced inode.
    await writeFile(join(dir, '.p.yaml.swp'), EMAIL);
    await rename(join(dir, '.p.yaml.swp'), join(dir, 'p.yaml'));
    await waitFor('the second rename to be applied', () => rules('p')?.[0] === 'mail');
  });

  it('picks up new and deleted files', async () => {
    const { dir, registry } = await watched({ 'p.yaml': EMAIL });
    await writeFile(join(dir, 'q.yaml'), PHONE);
    await waitFor('q to appear', () => registry.snapshot().get('q') !== undefined);
    await rm(join(dir, 'p.yaml'));
    await waitFor('p to disappear', () => registry.snapshot().get('p') === undefined);
  });

  it('keeps the previous version on a broken save and records the error', async () => {
    const { dir, registry, rules } = await watched({ 'p.yaml': EMAIL });
    await writeFile(join(dir, 'p.yaml'), 'rules: [oops');
    await waitFor('the error to be recorded', () => registry.errors.length === 1);
    expect(rules('p')).toEqual(['mail']);
  });

  it('reloads when a list file changes', async () => {
    const kw = 'rules:\n  - {id: banned, detector: keywords, file: lists/banned.txt, action: block}\n';
    const { dir, registry } = await watched({ 'p.yaml': kw, 'lists/banned.txt': 'alpha\n' });
    const hits = () => {
      const scanner = registry.snapshot().get('p')?.rules[0]?.scanner;
      return scanner?.kind === 'sync' ? scanner.scan('alpha beta').length : -1;
    };
    expect(hits()).toBe(1);
    await put(dir, 'lists/banned.txt', 'alpha\nbeta\n');
    await waitFor('the list change to be applied', () => hits() === 2);
  });

  it('falls back to the periodic rescan when file events are not available', async () => {
    const { dir, rules } = await watched({ 'p.yaml': EMAIL }, { fsWatch: false, rescanMs: 100 });
    await writeFile(join(dir, 'p.yaml'), PHONE);
    await waitFor('the rescan to apply the edit', () => rules('p')?.[0] === 'tel');
  });

  it('reports a vanished directory and stops cleanly', async () => {
    const { dir, errors } = await watched({ 'p.yaml': EMAIL }, { rescanMs: 100 });
    await rm(dir, { recursive: true, force: true });
    await waitFor('the failure to be reported', () => errors.length > 0);
  });
});
