// The scan pool on its own (worker threads, no network, no database): it judges with the
// policy version the main thread chose, hands a body back when it cannot build that
// version, and sends calls beyond its queue bound back to the main thread.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { policySource } from '../../../src/sidecar.js';
import { createLogger } from '../../../src/logger.js';
import { PolicyRegistry } from '../../../src/policy/index.js';
import { matchHasher } from '../../../src/scan/match-hash.js';
import { ScanPool } from '../../../src/scan/scan-pool.js';
import { scanRequest } from '../../../src/scan/scan-request.js';

const KEY = 'unit-test-hash-key-0123456789abcdef';
const POLICY = 'name: terms\nrules:\n  - id: banned\n    detector: keywords\n    file: lists/terms.txt\n    action: block\n  - id: pii\n    detector: email\n    action: redact\n';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(terms: string) {
  const dir = mkdtempSync(join(tmpdir(), 'scan-pool-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'lists'));
  writeFileSync(join(dir, 'terms.yaml'), POLICY);
  writeFileSync(join(dir, 'lists', 'terms.txt'), `${terms}\n`);
  const registry = new PolicyRegistry({ dir, env: {} });
  await registry.loadDir();
  return { dir, registry, source: policySource(registry) };
}

async function startPool(registry: PolicyRegistry, queueMax = 8): Promise<ScanPool> {
  const pool = ScanPool.create({
    size: 1,
    queueMax,
    timeoutMs: 30_000,
    registry,
    init: { policyDir: registry.dir, env: {}, hashKey: KEY },
    logger: createLogger('silent'),
  });
  if (!pool) throw new Error('the scan worker script is missing: run npm run build');
  cleanups.push(() => pool.close());
  await pool.ready();
  return pool;
}

const body = (text: string) => Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] }));

describe('ScanPool', () => {
  it('judges in the worker with the chosen version: same outcome as on the main thread', async () => {
    const { registry, source } = await setup('orchid');
    const pool = await startPool(registry);
    const choose = () => source.forCall({ model: 'm', caller: null, keyFingerprint: null });
    const text = 'write to a.b@example.com about the plan '.repeat(50);
    const inWorker = await scanRequest({ pool, minBytes: 1, hash: matchHasher(KEY) }, 'chat.completions', body(text), choose);
    const inThread = await scanRequest({ pool: null, minBytes: 1, hash: matchHasher(KEY) }, 'chat.completions', body(text), choose);
    expect(pool.stats()).toMatchObject({ judged: 1, inline: 0, failed: 0 });
    // The segments stay in the worker; the prompt text for a usage estimate comes back.
    expect(inWorker.judgement.segments).toBeNull();
    expect(inThread.judgement.segments).not.toBeNull();
    // The findings come back as JSON text.
    expect(inWorker.judgement.verdict?.findings).toEqual([]);
    expect(JSON.parse(inWorker.judgement.findingsJson!)).toEqual(JSON.parse(JSON.stringify(inThread.judgement.verdict?.findings)));
    const strip = (j: typeof inWorker.judgement) => ({
      ...j,
      segments: null,
      inputText: j.inputText(),
      verdict: j.verdict && { ...j.verdict, ms: 0, findings: [] },
      storedPrompt: undefined,
      findingsJson: undefined,
    });
    expect(strip(inWorker.judgement)).toEqual(strip(inThread.judgement));
    expect(inWorker.judgement.inputText()).toContain(text);
    expect(inWorker.judgement.verdict?.decision).toBe('redact');
    expect(inWorker.judgement.forward?.toString()).toContain('[REDACTED:email]');
  });

  it('hands the body back when its compile does not give the chosen version (a list file changed since)', async () => {
    const { dir, registry, source } = await setup('orchid');
    // The main thread's version blocks "orchid"; the file on disk now says "tulip".
    writeFileSync(join(dir, 'lists', 'terms.txt'), 'tulip\n');
    const pool = await startPool(registry);
    const out = await scanRequest({ pool, minBytes: 1, hash: matchHasher(KEY) }, 'chat.completions', body('an orchid, not a tulip'), () =>
      source.forCall({ model: 'm', caller: null, keyFingerprint: null }),
    );
    expect(pool.stats()).toMatchObject({ judged: 0, inline: 1 });
    expect(out.judgement.verdict?.decision).toBe('block');
    expect(out.judgement.verdict?.blockedBy).toEqual(['banned']);
  });

  it('sends a call beyond the queue bound back to the main thread, judged all the same', async () => {
    const { registry, source } = await setup('orchid');
    const pool = await startPool(registry, 0);
    const choose = () => source.forCall({ model: 'm', caller: null, keyFingerprint: null });
    const scanner = { pool, minBytes: 1, hash: matchHasher(KEY) };
    const [a, b] = await Promise.all([
      scanRequest(scanner, 'chat.completions', body('an orchid'), choose),
      scanRequest(scanner, 'chat.completions', body('another orchid'), choose),
    ]);
    expect(pool.stats()).toMatchObject({ judged: 1, inline: 1 });
    expect(a.judgement.verdict?.decision).toBe('block');
    expect(b.judgement.verdict?.decision).toBe('block');
  });

  it('refuses a body that is not a JSON object as the main thread does', async () => {
    const { registry, source } = await setup('orchid');
    const pool = await startPool(registry);
    const choose = () => source.forCall({ model: 'm', caller: null, keyFingerprint: null });
    const err = await scanRequest({ pool, minBytes: 1, hash: matchHasher(KEY) }, 'chat.completions', Buffer.from('[1, 2]'), choose).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_json', message: 'The request body must be a JSON object.' });
  });
});
