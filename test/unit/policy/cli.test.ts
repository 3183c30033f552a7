import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/policy/cli.js';
import { TEST_DETECTORS } from './fixtures/detectors.js';
import { makePolicyDir } from './fixtures/files.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, detectors: TEST_DETECTORS, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const GOOD = 'rules:\n  - {id: mail, detector: email, action: redact}\n  - {id: banned, detector: keywords, keywords: [nightingale], action: block}\n';

describe('policy CLI', () => {
  it('check: OK per file, exit 0', async () => {
    const { dir, cleanup } = await makePolicyDir({ 'a.yaml': GOOD });
    try {
      const result = await run(['check', dir]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^OK {3}a\.yaml \(policy a, enforce, 2 rules\)$/m);
    } finally {
      await cleanup();
    }
  });

  it('check: errors per file with paths, exit 1; POLICY_DIR as the default directory', async () => {
    const { dir, cleanup } = await makePolicyDir({ 'a.yaml': GOOD, 'b.yaml': 'rules:\n  - {id: x, detector: emial, action: flag}\n' });
    try {
      const result = await run(['check'], { POLICY_DIR: dir });
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/^FAIL b\.yaml$/m);
      expect(result.out).toMatch(/^ {2}b\.yaml:2:\d+ rules\[0\]\.detector: unknown detector "emial"/m);
      expect(result.out).toMatch(/1 of 2 file\(s\) refused/);
    } finally {
      await cleanup();
    }
  });

  it('check: an empty or missing directory is an error', async () => {
    const { dir, cleanup } = await makePolicyDir({});
    try {
      expect((await run(['check', dir])).code).toBe(1);
      expect((await run(['check', `${dir}/missing`])).code).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('test: prints the decision and findings as JSON, never the matched text', async () => {
    const { dir, cleanup } = await makePolicyDir({ 'a.yaml': GOOD });
    try {
      const blocked = await run(['test', 'about nightingale, mail bob@example.com', '--dir', dir]);
      expect(blocked.code).toBe(0);
      const json = JSON.parse(blocked.out) as { decision: string; blockedBy: string[]; findings: { rule: string }[]; redacted: string };
      expect(json.decision).toBe('block');
      expect(json.blockedBy).toEqual(['banned']);
      expect(json.findings.map((f) => f.rule).sort()).toEqual(['banned', 'mail']);
      expect(JSON.stringify(json.findings)).not.toContain('bob@example.com');
      expect(json.redacted).toBe('about nightingale, mail [REDACTED:email]');

      const output = JSON.parse((await run(['test', 'all fine', '--phase', 'output', '--dir', dir])).out) as { decision: string; phase: string };
      expect(output).toMatchObject({ decision: 'allow', phase: 'output' });
    } finally {
      await cleanup();
    }
  });

  it('test: --model selects policies by their match', async () => {
    const { dir, cleanup } = await makePolicyDir({ 'a.yaml': `match: {models: ["gpt-5*"]}\n${GOOD}` });
    try {
      const other = JSON.parse((await run(['test', 'nightingale', '--dir', dir, '--model', 'gpt-4o'])).out) as { decision: string; policies: string[] };
      expect(other).toMatchObject({ decision: 'allow', policies: [] });
      const hit = JSON.parse((await run(['test', 'nightingale', '--dir', dir, '--model', 'gpt-5.5'])).out) as { decision: string };
      expect(hit.decision).toBe('block');
    } finally {
      await cleanup();
    }
  });

  it('usage errors exit 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['test'])).code).toBe(2);
    expect((await run(['test', 'x', '--phase', 'sideways'])).code).toBe(2);
  });
});
