import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/policy/compile.js';
import type { CompileOptions } from '../../../src/policy/compile.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';
import { makePolicyDir } from './fixtures/files.js';

// The full example of CONTRACT.md, "Policy files", verbatim.
const CONTRACT_EXAMPLE = `name: default                 # unique; defaults to the file name
mode: enforce                 # enforce | monitor (monitor: log findings, change nothing)
match:                        # which calls it governs; omitted = all
  models: ["gpt-5.5*"]        # globs
  callers: ["billing-*"]      # x-caller header globs
  keys: []                    # key fingerprints
storage:                      # what the audit record keeps
  prompt: redacted            # full | redacted | none
  response: redacted
rules:
  - id: no-secrets
    detector: secret          # API keys, tokens, private keys, JWTs, connection strings
    phase: [input, output]    # default: both
    action: block             # block | redact | flag
  - id: pii
    detector: [email, phone, credit_card, iban, ssn, cn_resident_id, ip_address]
    action: redact            # replaced by [REDACTED:<detector>] before it goes on
  - id: banned-terms
    detector: keywords
    keywords: ["project nightingale"]
    file: lists/banned.txt    # relative to POLICY_DIR, one term per line
    action: block
  - id: internal-hosts
    detector: regex
    pattern: '\\b[a-z0-9-]+\\.corp\\.example\\.com\\b'
    flags: i
    action: redact
  - id: moderation
    detector: moderation      # an OpenAI-compatible /v1/moderations endpoint
    endpoint: \${MODERATION_URL}
    categories: [hate, violence, self-harm]
    action: block
`;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makePolicyDir({ 'lists/banned.txt': '# code names\n\nproject bluebird\n  skylark pro  \n' }));
});
afterAll(() => cleanup());

const options = (extra: Partial<CompileOptions> = {}): CompileOptions => ({
  fileName: 'default.yaml',
  dir,
  env: { MODERATION_URL: 'http://moderation.internal/v1/moderations' },
  detectors: TEST_DETECTORS,
  ...extra,
});

describe('compilePolicy', () => {
  it('accepts the full example of the contract', async () => {
    const policy = await compilePolicy(CONTRACT_EXAMPLE, options());
    expect(policy.name).toBe('default');
    expect(policy.file).toBe('default.yaml');
    expect(policy.mode).toBe('enforce');
    expect(policy.match).toEqual({ models: ['gpt-5.5*'], callers: ['billing-*'], keys: [] });
    expect(policy.storage).toEqual({ prompt: 'redacted', response: 'redacted' });
    expect(policy.sourceHash).toBe(createHash('sha256').update(CONTRACT_EXAMPLE).digest('hex'));
    expect(policy.text).toBe(CONTRACT_EXAMPLE);
    // One compiled rule per detector per rule, in file order.
    expect(policy.rules.map((r) => `${r.id}/${r.detector}`)).toEqual([
      'no-secrets/secret',
      'pii/email',
      'pii/phone',
      'pii/credit_card',
      'pii/iban',
      'pii/ssn',
      'pii/cn_resident_id',
      'pii/ip_address',
      'banned-terms/keywords',
      'internal-hosts/regex',
      'moderation/moderation',
    ]);
    for (const rule of policy.rules) {
      expect(rule.policy).toBe('default');
      expect(rule.mode).toBe('enforce');
      expect(rule.phases).toEqual(['input', 'output']);
    }
    expect(policy.rules.find((r) => r.id === 'moderation')?.scanner.kind).toBe('async');
    expect(policy.ruleInfo.map((r) => r.id)).toEqual(['no-secrets', 'pii', 'banned-terms', 'internal-hosts', 'moderation']);
    expect(policy.lists).toHaveLength(1);
    expect(policy.lists[0]).toMatchObject({ path: 'lists/banned.txt', terms: 2 });
  });

  it('merges inline keywords with the list file (comments and blank lines ignored)', async () => {
    const policy = await compilePolicy(CONTRACT_EXAMPLE, options());
    const rule = policy.rules.find((r) => r.id === 'banned-terms');
    if (rule?.scanner.kind !== 'sync') throw new Error('expected a sync keywords scanner');
    const text = 'About Project Nightingale, project bluebird and skylark pro; not # code names.';
    expect(rule.scanner.scan(text).map((s) => text.slice(s.start, s.end))).toEqual([
      'Project Nightingale',
      'project bluebird',
      'skylark pro',
    ]);
  });

  it('applies the defaults: name from the file, enforce, redacted storage, both phases, enabled', async () => {
    const policy = await compilePolicy('rules:\n  - {id: mail, detector: email, action: flag}\n', options({ fileName: 'team-a.yml' }));
    expect(policy).toMatchObject({ name: 'team-a', mode: 'enforce', storage: { prompt: 'redacted', response: 'redacted' } });
    expect(policy.match).toEqual({ models: [], callers: [], keys: [] });
    expect(policy.rules[0]?.phases).toEqual(['input', 'output']);
    expect(policy.ruleInfo[0]).toMatchObject({ enabled: true, detectors: ['email'], file: null, description: null });
  });

  it('skips disabled rules but lists them', async () => {
    const text = `rules:
  - {id: a, detector: email, action: flag}
  - {id: b, detector: phone, action: flag, enabled: false}
`;
    const policy = await compilePolicy(text, options());
    expect(policy.rules.map((r) => r.id)).toEqual(['a']);
    expect(policy.ruleInfo.map((r) => [r.id, r.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('tolerates a missing variable inside a disabled rule, and still checks its keys', async () => {
    const ok = `rules:
  - {id: mod, detector: moderation, endpoint: "\${UNSET_URL}", action: block, enabled: false}
`;
    await expect(compilePolicy(ok, options())).resolves.toMatchObject({ rules: [] });
    const typo = `rules:
  - {id: mod, detector: moderation, endpint: "\${UNSET_URL}", action: block, enabled: false}
`;
    await expect(compilePolicy(typo, options())).rejects.toMatchObject({ issues: [{ path: 'rules[0].endpint' }] });
  });

  it('takes monitor mode, one phase, and monitor on every compiled rule', async () => {
    const text = 'mode: monitor\nrules:\n  - {id: x, detector: [email, phone], phase: output, action: block}\n';
    const policy = await compilePolicy(text, options());
    expect(policy.rules.map((r) => [r.detector, r.mode, r.phases])).toEqual([
      ['email', 'monitor', ['output']],
      ['phone', 'monitor', ['output']],
    ]);
  });

  it('accepts a policy without rules (e.g. storage only) and JSON text', async () => {
    const policy = await compilePolicy('{"name": "hr", "storage": {"prompt": "none"}, "match": {"callers": ["hr-*"]}}', options());
    expect(policy).toMatchObject({ name: 'hr', rules: [], storage: { prompt: 'none', response: 'redacted' } });
  });

  it('substitutes ${VAR} and ${VAR:-default} in values, not in comments', async () => {
    const text = `# endpoint: \${NOT_SET_ANYWHERE}
description: "\${TEAM:-nobody}'s policy, \$\${literal}"
rules:
  - {id: mod, detector: moderation, endpoint: "\${MODERATION_URL}", action: flag}
`;
    const policy = await compilePolicy(text, options());
    expect(policy.description).toBe("nobody's policy, ${literal}");
    // The stored text keeps the reference, not the (possibly secret) value.
    expect(policy.text).toContain('${MODERATION_URL}');
  });

  it('changes contentHash, not sourceHash, when a list file changes', async () => {
    const { dir: other, cleanup: done } = await makePolicyDir({ 'lists/banned.txt': 'alpha\n' });
    try {
      const text = 'rules:\n  - {id: k, detector: keywords, file: lists/banned.txt, action: block}\n';
      const first = await compilePolicy(text, options({ dir: other }));
      const { writeFile } = await import('node:fs/promises');
      await writeFile(`${other}/lists/banned.txt`, 'alpha\nbeta\n');
      const second = await compilePolicy(text, options({ dir: other }));
      expect(second.sourceHash).toBe(first.sourceHash);
      expect(second.contentHash).not.toBe(first.contentHash);
    } finally {
      await done();
    }
  });

  it('calls create() once per detector per rule', async () => {
    let calls = 0;
    const counting = TEST_DETECTORS.map((d) =>
      d.id === 'email' ? { ...d, create: (o: unknown) => ((calls += 1), d.create(o)) } : d,
    );
    await compilePolicy('rules:\n  - {id: a, detector: [email, phone], action: flag}\n', options({ detectors: counting }));
    expect(calls).toBe(1);
  });
});

describe('empty sections', () => {
  it('treats `key:` with everything under it commented out as the key left out', async () => {
    const text = `match:
  models:
  # callers: ["billing-*"]
storage:
rules:
  # - {id: a, detector: email, action: flag}
`;
    const policy = await compilePolicy(text, options());
    expect(policy.match).toEqual({ models: [], callers: [], keys: [] });
    expect(policy.storage).toEqual({ prompt: 'redacted', response: 'redacted' });
    expect(policy.rules).toEqual([]);
  });
});
