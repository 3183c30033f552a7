import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/policy/errors.js';
import { PolicyRegistry } from '../../../src/policy/registry.js';
import type { PolicyEvent } from '../../../src/policy/events.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';
import { makePolicyDir, put } from './fixtures/files.js';

const policy = (rules: string, head = ''): string => `${head}rules:\n${rules}`;
const EMAIL = policy('  - {id: mail, detector: email, action: redact}\n');
const PHONE = policy('  - {id: tel, detector: phone, action: flag}\n');
const BROKEN = policy('  - {id: mail, detector: email, action: redact, typo: 1}\n');

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function setup(files: Record<string, string>) {
  const { dir, cleanup } = await makePolicyDir(files);
  cleanups.push(cleanup);
  const events: PolicyEvent[] = [];
  const registry = new PolicyRegistry({ dir, env: {}, detectors: TEST_DETECTORS });
  registry.subscribe((e) => events.push(e));
  return { dir, registry, events };
}

const names = (registry: PolicyRegistry) => registry.snapshot().policies.map((p) => p.name);
const ruleIds = (registry: PolicyRegistry, name: string) => registry.snapshot().get(name)?.rules.map((r) => r.id);

describe('PolicyRegistry.loadDir', () => {
  it('loads every *.yaml / *.yml file, skipping other and hidden files', async () => {
    const { registry } = await setup({ 'a.yaml': EMAIL, 'b.yml': PHONE, 'c.txt': EMAIL, '.d.yaml': EMAIL, 'e.yaml.swp': 'x' });
    expect(registry.loaded).toBe(false);
    const result = await registry.loadDir();
    expect(registry.loaded).toBe(true);
    expect(result.changed).toBe(true);
    expect(names(registry)).toEqual(['a', 'b']);
    expect(result.snapshot).toBe(registry.snapshot());
    expect(result.snapshot.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('keeps a refused file out, with its error and time, while the others load', async () => {
    const { registry, events } = await setup({ 'a.yaml': EMAIL, 'bad.yaml': BROKEN });
    const { errors } = await registry.loadDir();
    expect(names(registry)).toEqual(['a']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.file).toBe('bad.yaml');
    expect(errors[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(errors[0]?.error.issues[0]).toMatchObject({ file: 'bad.yaml', path: 'rules[0].typo' });
    expect(events.map((e) => e.type)).toEqual(['applied', 'rejected', 'swapped']);
  });

  it('lists a file refused at start as unavailable until it compiles; later refusals keep their version instead', async () => {
    const { dir, registry } = await setup({ 'a.yaml': EMAIL, 'bad.yaml': BROKEN });
    await registry.loadDir();
    expect(registry.unavailable).toEqual(['bad.yaml']);
    // Still broken on the next read: still listed.
    await writeFile(join(dir, 'bad.yaml'), `${BROKEN}\n# still broken\n`);
    await registry.loadDir();
    expect(registry.unavailable).toEqual(['bad.yaml']);
    await writeFile(join(dir, 'bad.yaml'), PHONE);
    await registry.loadDir();
    expect(registry.unavailable).toEqual([]);
    // A new file refused after the start has no version to miss: it is only an error. A
    // file that breaks later keeps its previous version active.
    await writeFile(join(dir, 'new.yaml'), BROKEN);
    await writeFile(join(dir, 'a.yaml'), BROKEN);
    await registry.loadDir();
    expect(registry.unavailable).toEqual([]);
    expect(registry.errors.map((e) => e.file).sort()).toEqual(['a.yaml', 'new.yaml']);
  });

  it('takes a file refused at start off the list when it is deleted or replaced through putPolicy', async () => {
    const { dir, registry } = await setup({ 'x.yaml': BROKEN, 'y.yaml': BROKEN });
    await registry.loadDir();
    expect(registry.unavailable).toEqual(['x.yaml', 'y.yaml']);
    await rm(join(dir, 'x.yaml'));
    await registry.loadDir();
    expect(registry.unavailable).toEqual(['y.yaml']);
    await registry.putPolicy('y', EMAIL.replace(/^name: .*$/m, 'name: y'));
    expect(registry.unavailable).toEqual([]);
  });

  it('keeps the previous version active after a broken write, and recovers on a fix', async () => {
    const { dir, registry, events } = await setup({ 'p.yaml': EMAIL });
    await registry.loadDir();
    const good = registry.snapshot();

    await writeFile(join(dir, 'p.yaml'), BROKEN);
    const after = await registry.loadDir();
    expect(after.changed).toBe(false);
    expect(registry.snapshot()).toBe(good);
    expect(ruleIds(registry, 'p')).toEqual(['mail']);
    expect(registry.errors.map((e) => e.file)).toEqual(['p.yaml']);
    expect(events.at(-1)).toMatchObject({ type: 'rejected', file: 'p.yaml', kept: 'p', source: 'file' });

    await writeFile(join(dir, 'p.yaml'), PHONE);
    await registry.loadDir();
    expect(ruleIds(registry, 'p')).toEqual(['tel']);
    expect(registry.errors).toEqual([]);
    expect(registry.snapshot().version).not.toBe(good.version);
  });

  it('swaps atomically: a snapshot taken before a reload never changes', async () => {
    const { dir, registry } = await setup({ 'p.yaml': EMAIL, 'q.yaml': PHONE });
    await registry.loadDir();
    const before = registry.snapshot();
    const beforeRules = before.select({}).rules.map((r) => r.id);
    await writeFile(join(dir, 'p.yaml'), PHONE.replace('tel', 'tel2'));
    await rm(join(dir, 'q.yaml'));
    await registry.loadDir();
    expect(before.select({}).rules.map((r) => r.id)).toEqual(beforeRules);
    expect(before.policies.map((p) => p.name)).toEqual(['p', 'q']);
    expect(Object.isFrozen(before)).toBe(true);
    expect(Object.isFrozen(before.policies)).toBe(true);
    expect(registry.snapshot().policies.map((p) => p.name)).toEqual(['p']);
  });

  it('does not recompile, re-version or re-announce an unchanged or merely touched file', async () => {
    const { dir, registry, events } = await setup({ 'p.yaml': EMAIL });
    await registry.loadDir();
    const first = registry.snapshot();
    const count = events.length;
    expect((await registry.loadDir()).changed).toBe(false);
    await writeFile(join(dir, 'p.yaml'), EMAIL); // same text, new mtime
    expect((await registry.loadDir()).changed).toBe(false);
    expect(registry.snapshot()).toBe(first);
    expect(events).toHaveLength(count);
  });

  it('removes the policy of a deleted file', async () => {
    const { dir, registry, events } = await setup({ 'p.yaml': EMAIL, 'q.yaml': PHONE });
    await registry.loadDir();
    await rm(join(dir, 'q.yaml'));
    await registry.loadDir();
    expect(names(registry)).toEqual(['p']);
    expect(events).toContainEqual({ type: 'removed', file: 'q.yaml', name: 'q' });
  });

  it('refuses a duplicate name in a later file, and keeps the earlier holder on later edits', async () => {
    const { dir, registry } = await setup({ 'a.yaml': `name: shared\n${EMAIL}`, 'b.yaml': `name: shared\n${PHONE}` });
    await registry.loadDir();
    expect(ruleIds(registry, 'shared')).toEqual(['mail']);
    expect(registry.errors[0]?.error.issues[0]).toMatchObject({ file: 'b.yaml', path: 'name', message: expect.stringContaining('already defined by a.yaml') });

    // A new file sorting first still cannot take the name away from its holder.
    await put(dir, '0.yaml', `name: shared\n${PHONE}`);
    await registry.loadDir();
    expect(ruleIds(registry, 'shared')).toEqual(['mail']);
    expect(registry.errors.map((e) => e.file)).toEqual(['0.yaml', 'b.yaml']);

    // When the holder goes, the refused file that sorts first gets the name without being edited.
    await rm(join(dir, 'a.yaml'));
    await registry.loadDir();
    expect(registry.snapshot().get('shared')?.file).toBe('0.yaml');
    expect(registry.errors.map((e) => e.file)).toEqual(['b.yaml']);
  });

  it('reloads a policy when its list file changes, and watches the list directory', async () => {
    const kw = policy('  - {id: banned, detector: keywords, file: lists/banned.txt, action: block}\n');
    const { dir, registry } = await setup({ 'p.yaml': kw, 'lists/banned.txt': 'alpha\n' });
    await registry.loadDir();
    const scan = (text: string) => {
      const scanner = registry.snapshot().get('p')?.rules[0]?.scanner;
      return scanner?.kind === 'sync' ? scanner.scan(text).length : -1;
    };
    expect(scan('alpha beta')).toBe(1);
    expect(registry.watchedDirs()).toContain(join(dir, 'lists'));
    await writeFile(join(dir, 'lists/banned.txt'), 'alpha\nbeta\n');
    expect((await registry.loadDir()).changed).toBe(true);
    expect(scan('alpha beta')).toBe(2);

    // A list file that disappears refuses the policy, but the last good version stays.
    await rm(join(dir, 'lists/banned.txt'));
    await registry.loadDir();
    expect(scan('alpha beta')).toBe(2);
    expect(registry.errors[0]?.error.issues[0]?.message).toBe('lists/banned.txt does not exist');
  });

  it('fails loudly when the directory does not exist', async () => {
    const registry = new PolicyRegistry({ dir: '/nonexistent/policies', env: {}, detectors: TEST_DETECTORS });
    await expect(registry.loadDir()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('isolates listeners that throw', async () => {
    const { registry } = await setup({ 'p.yaml': EMAIL });
    registry.subscribe(() => {
      throw new Error('broken metrics hook');
    });
    await registry.loadDir();
    expect(names(registry)).toEqual(['p']);
  });
});

describe('PolicyRegistry.putPolicy', () => {
  it('validates, writes atomically and applies', async () => {
    const { dir, registry, events } = await setup({ 'p.yaml': EMAIL });
    await registry.loadDir();
    const compiled = await registry.putPolicy('p', PHONE);
    expect(compiled.name).toBe('p');
    expect(ruleIds(registry, 'p')).toEqual(['tel']);
    expect(await readFile(join(dir, 'p.yaml'), 'utf8')).toBe(PHONE);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['applied', 'swapped']);
    // The reload that the watcher will trigger for our own write changes nothing.
    expect((await registry.loadDir()).changed).toBe(false);
  });

  it('creates a new policy file', async () => {
    const { dir, registry } = await setup({});
    await registry.loadDir();
    await registry.putPolicy('new-one', EMAIL);
    expect(names(registry)).toEqual(['new-one']);
    expect(await readFile(join(dir, 'new-one.yaml'), 'utf8')).toBe(EMAIL);
  });

  it('refuses an invalid text: nothing written, previous version active', async () => {
    const { dir, registry, events } = await setup({ 'p.yaml': EMAIL });
    await registry.loadDir();
    const before = registry.snapshot();
    await expect(registry.putPolicy('p', BROKEN)).rejects.toBeInstanceOf(PolicyError);
    expect(registry.snapshot()).toBe(before);
    expect(await readFile(join(dir, 'p.yaml'), 'utf8')).toBe(EMAIL);
    expect(events.at(-1)).toMatchObject({ type: 'rejected', source: 'api', kept: 'p' });
  });

  it('refuses a text whose name differs from the one it is saved as, and a bad name', async () => {
    const { registry } = await setup({});
    await expect(registry.putPolicy('p', `name: other\n${EMAIL}`)).rejects.toMatchObject({
      issues: [{ path: 'name', message: expect.stringContaining('"other"') }],
    });
    await expect(registry.putPolicy('../etc/passwd', EMAIL)).rejects.toBeInstanceOf(PolicyError);
  });

  it('writes to the file that holds the policy, even if named differently', async () => {
    const { dir, registry } = await setup({ 'custom-file.yaml': `name: team\n${EMAIL}` });
    await registry.loadDir();
    await registry.putPolicy('team', `name: team\n${PHONE}`);
    expect(await readFile(join(dir, 'custom-file.yaml'), 'utf8')).toContain('phone');
    expect((await readdir(dir)).sort()).toEqual(['custom-file.yaml']);
  });

  it('serialises with reloads', async () => {
    const { dir, registry } = await setup({ 'p.yaml': EMAIL });
    await registry.loadDir();
    await rename(join(dir, 'p.yaml'), join(dir, 'q.yaml'));
    const [, put1] = await Promise.all([registry.loadDir(), registry.putPolicy('x', PHONE)]);
    expect(put1.name).toBe('x');
    expect(names(registry)).toEqual(['q', 'x']);
  });
});

describe('PolicyRegistry.dryRun', () => {
  it('compiles without activating or writing', async () => {
    const { dir, registry } = await setup({});
    await registry.loadDir();
    const compiled = await registry.dryRun(EMAIL);
    expect(compiled.name).toBe('dry-run');
    expect(names(registry)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    await expect(registry.dryRun(BROKEN, { fileName: 'mine.yaml' })).rejects.toMatchObject({ file: 'mine.yaml' });
  });
});
