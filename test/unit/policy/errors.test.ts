import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/policy/compile.js';
import type { CompileOptions } from '../../../src/policy/compile.js';
import { PolicyError } from '../../../src/policy/errors.js';
import type { PolicyIssue } from '../../../src/policy/errors.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';
import { makePolicyDir } from './fixtures/files.js';

let dir: string;
let outside: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const made = await makePolicyDir({ 'policies/lists/ok.txt': 'fine term\n', 'secret-outside.txt': 'TOPSECRETTERM\n' });
  dir = join(made.dir, 'policies');
  outside = join(made.dir, 'secret-outside.txt');
  cleanup = made.cleanup;
  await symlink(outside, join(dir, 'lists', 'link.txt'));
});
afterAll(() => cleanup());

const options = (extra: Partial<CompileOptions> = {}): CompileOptions => ({
  fileName: 'broken.yaml',
  dir,
  env: {},
  detectors: TEST_DETECTORS,
  ...extra,
});

async function issuesOf(text: string, extra: Partial<CompileOptions> = {}): Promise<readonly PolicyIssue[]> {
  try {
    await compilePolicy(text, options(extra));
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    const error = err as PolicyError;
    const file = extra.fileName ?? 'broken.yaml';
    expect(error.file).toBe(file);
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) expect(issue.file).toBe(file);
    // The message of the error itself names file, path and problem, one line per issue.
    expect(error.message.split('\n')).toHaveLength(error.issues.length);
    return error.issues;
  }
  throw new Error('expected the policy to be refused');
}

const rule = (body: string): string => `rules:\n  - ${body}\n`;

describe('refused policies', () => {
  it('a misspelt top-level key, with its line', async () => {
    const issues = await issuesOf('mode: enforce\nrulez: []\n');
    expect(issues).toEqual([{ file: 'broken.yaml', path: 'rulez', message: 'unknown key', line: 2, column: 1 }]);
  });

  it('a misspelt key in match and in storage', async () => {
    const issues = await issuesOf('match:\n  model: ["gpt-*"]\nstorage:\n  promt: none\nrules: []\n');
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['match.model', 2],
      ['storage.promt', 4],
    ]);
  });

  it('a misspelt key in a rule, naming the keys that exist', async () => {
    const issues = await issuesOf(rule("{id: hosts, detector: regex, patern: 'x+', action: redact}"));
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatchObject({ path: 'rules[0].patern', line: 2 });
    expect(issues[0]?.message).toMatch(/unknown key "patern".*regex options: pattern, flags, max_match_length/);
    expect(issues[1]).toMatchObject({ path: 'rules[0].pattern', message: expect.stringMatching(/^required/) });
  });

  it('an option given to an option-less detector, and to a multi-detector rule', async () => {
    expect(await issuesOf(rule('{id: a, detector: email, pattern: x, action: flag}'))).toEqual([
      expect.objectContaining({ path: 'rules[0].pattern', message: expect.stringContaining('detector email takes no options') }),
    ]);
    const multi = await issuesOf(rule('{id: a, detector: [email, phone, regex], pattern: x, action: flag}'));
    expect(multi).toEqual([expect.objectContaining({ path: 'rules[0].pattern', message: expect.stringContaining('not an option of email, phone (') })]);
  });

  it('an unknown detector, in a list too', async () => {
    expect(await issuesOf(rule('{id: a, detector: passport, action: flag}'))).toEqual([
      expect.objectContaining({ path: 'rules[0].detector', message: expect.stringMatching(/unknown detector "passport" \(known: cn_resident_id, credit_card, .*ssn\)/) }),
    ]);
    expect((await issuesOf(rule('{id: a, detector: [email, phon], action: flag}')))[0]?.path).toBe('rules[0].detector[1]');
  });

  it('a bad action, phase, mode and storage level', async () => {
    const issues = await issuesOf(`mode: enforcing
storage: {prompt: everything}
rules:
  - {id: a, detector: email, action: deny, phase: inputs}
`);
    expect(issues.map((i) => i.path).sort()).toEqual(['mode', 'rules[0].action', 'rules[0].phase', 'storage.prompt']);
    expect(issues.find((i) => i.path === 'rules[0].action')?.message).toMatch(/"flag"\|"redact"\|"block"/);
  });

  it('a regex the engine refuses (at compile time, not per request)', async () => {
    const issues = await issuesOf(rule("{id: r, detector: regex, pattern: '(a)\\1', action: flag}"));
    expect(issues).toEqual([expect.objectContaining({ path: 'rules[0]', message: expect.stringMatching(/^detector regex refused the rule: /) })]);
    const flags = await issuesOf(rule("{id: r, detector: regex, pattern: 'a', flags: gx, action: flag}"));
    expect(flags).toEqual([expect.objectContaining({ path: 'rules[0].flags', message: 'flags may only be i, m, s, u' })]);
  });

  it('a missing environment variable, naming it and where it is used', async () => {
    const issues = await issuesOf(rule('{id: m, detector: moderation, endpoint: "${MODERATION_URL}", action: block}'));
    expect(issues[0]).toMatchObject({ path: 'rules[0].endpoint', message: 'environment variable MODERATION_URL is not set', line: 2 });
  });

  it('a malformed variable reference', async () => {
    const issues = await issuesOf('description: "${NOT CLOSED"\nrules: []\n');
    expect(issues[0]).toMatchObject({ path: 'description', message: expect.stringContaining('unterminated') });
  });

  it('a list file that is missing, absolute, escaping the directory, or a link out of it', async () => {
    const kw = (file: string) => rule(`{id: k, detector: keywords, file: ${JSON.stringify(file)}, action: block}`);
    expect(await issuesOf(kw('lists/nope.txt'))).toEqual([
      expect.objectContaining({ path: 'rules[0].file', message: 'lists/nope.txt does not exist' }),
    ]);
    expect((await issuesOf(kw(outside)))[0]?.message).toBe('must be relative to the policy directory');
    expect((await issuesOf(kw('../secret-outside.txt')))[0]?.message).toBe('must stay inside the policy directory');
    const link = await issuesOf(kw('lists/link.txt'));
    expect(link[0]?.message).toMatch(/link to a file outside/);
    expect(JSON.stringify(link)).not.toContain('TOPSECRETTERM');
    expect((await issuesOf(kw('lists/ok.txt'), { dir: undefined }))[0]?.message).toMatch(/only be used by a policy in the policy directory/);
  });

  it('a list file on a rule that is not keywords', async () => {
    const issues = await issuesOf(rule('{id: k, detector: email, file: lists/ok.txt, action: block}'));
    expect(issues[0]).toMatchObject({ path: 'rules[0].file', message: expect.stringContaining('keywords') });
  });

  it('a bad term in a list file names the line, never the term', async () => {
    const { dir: d, cleanup: done } = await makePolicyDir();
    try {
      const long = 'CONFIDENTIALTERM'.repeat(20);
      await writeFile(join(d, 'terms.txt'), `ok\n# comment\n${long}\n`);
      const issues = await issuesOf(rule('{id: k, detector: keywords, file: terms.txt, action: block}'), { dir: d });
      expect(issues).toEqual([expect.objectContaining({ path: 'rules[0].file', message: expect.stringMatching(/^terms\.txt line 3: /) })]);
      expect(JSON.stringify(issues)).not.toContain('CONFIDENTIALTERM');
    } finally {
      await done();
    }
  });

  it('a list file over the term limit, or empty', async () => {
    const { dir: d, cleanup: done } = await makePolicyDir({ 'many.txt': 'a\nb\nc\n', 'empty.txt': '# nothing\n\n' });
    try {
      const kw = (f: string) => rule(`{id: k, detector: keywords, file: ${f}, action: block}`);
      expect((await issuesOf(kw('many.txt'), { dir: d, limits: { maxListTerms: 2 } }))[0]?.message).toBe('many.txt has 3 terms; at most 2 are allowed');
      expect(await issuesOf(kw('empty.txt'), { dir: d })).toEqual([
        expect.objectContaining({ path: 'rules[0].file', message: 'empty.txt has no terms (only blank and # comment lines)' }),
      ]);
    } finally {
      await done();
    }
  });

  it('a duplicate rule id', async () => {
    const issues = await issuesOf(`rules:
  - {id: same, detector: email, action: flag}
  - {id: same, detector: phone, action: flag}
`);
    expect(issues).toEqual([{ file: 'broken.yaml', path: 'rules[1].id', message: 'duplicate rule id "same" (first used by rules[0])', line: 3, column: 6 }]);
  });

  it('YAML syntax errors, with line and column', async () => {
    const issues = await issuesOf('rules:\n  - id: x\n    detector: [email, phone\n    action: flag\n');
    expect(issues[0]).toMatchObject({ path: '', line: expect.any(Number), column: expect.any(Number) });
    expect(issues[0]?.message).toMatch(/^YAML: /);
    const dup = await issuesOf('mode: enforce\nmode: monitor\nrules: []\n');
    expect(dup[0]).toMatchObject({ line: 2, column: 1, message: expect.stringMatching(/^YAML: Map keys must be unique/) });
    expect((await issuesOf('a: *missing\n'))[0]?.message).toMatch(/^YAML: /);
    expect((await issuesOf('rules: !!binary aGk=\n'))[0]?.message).toMatch(/^YAML: Unresolved tag/);
  });

  it('an empty or non-mapping document', async () => {
    expect((await issuesOf('# nothing here\n'))[0]?.message).toBe('the document is empty');
    expect((await issuesOf('- a\n- b\n'))[0]?.message).toMatch(/must be a mapping/);
    expect((await issuesOf(rule('just-a-string')))[0]).toMatchObject({ path: 'rules[0]', message: expect.stringMatching(/must be a mapping/) });
  });

  it('names: invalid slug, and a file name that cannot be a name', async () => {
    expect((await issuesOf('name: Bad Name\nrules: []\n'))[0]).toMatchObject({ path: 'name', message: expect.stringMatching(/lower-case slug/) });
    expect((await issuesOf('rules: []\n', { fileName: 'My Policy.yaml' }))[0]?.message).toMatch(/rename the file or set "name:"/);
  });

  it('limits: text size, rules, regex rules', async () => {
    expect((await issuesOf('rules: []\n'.padEnd(2000, '#'), { limits: { maxTextBytes: 1000 } }))[0]?.message).toMatch(/at most 1000/);
    const three = `rules:\n${[1, 2, 3].map((i) => `  - {id: r${i}, detector: regex, pattern: a${i}, action: flag}`).join('\n')}\n`;
    expect((await issuesOf(three, { limits: { maxRules: 2 } }))[0]?.message).toBe('3 rules; at most 2 are allowed in one policy');
    expect((await issuesOf(three, { limits: { maxRegexRules: 2 } }))[0]?.message).toBe('3 enabled regex rules; at most 2 are allowed in one policy');
  });

  it('reports every problem of a file at once, but a bounded number', async () => {
    const issues = await issuesOf(`mode: nope
rules:
  - {id: a, detector: email, action: nope}
  - {id: b, detector: nope, action: flag}
`);
    expect(issues.map((i) => i.path)).toEqual(['mode', 'rules[0].action', 'rules[1].detector']);
    const many = `rules:\n${Array.from({ length: 80 }, (_, i) => `  - {id: r${i}, detector: email, action: nope}`).join('\n')}\n`;
    const capped = await issuesOf(many);
    expect(capped).toHaveLength(51);
    expect(capped[50]?.message).toBe('and 30 more problem(s) not shown');
  });

  it('a __proto__ key is an unknown key, not a prototype', async () => {
    const issues = await issuesOf('__proto__: {mode: monitor}\nrules: []\n');
    expect(issues[0]).toMatchObject({ path: '__proto__', message: 'unknown key' });
  });
});
