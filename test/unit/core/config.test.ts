import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ UPSTREAM_URL: 'https://gw.internal/v1/' });
    expect(c.upstreamUrl?.href).toBe('https://gw.internal/v1');
    expect(c.proxy).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.admin).toMatchObject({ host: '127.0.0.1', port: 8081, adminTokens: null });
    expect(c.limits.maxBodyBytes).toBe(16 * 1024 * 1024);
    expect(c.limits.upstreamTimeoutMs).toBe(600_000);
    expect(c.database).toEqual({ url: null, dataDir: './data' });
    expect(c.scan).toEqual({ workers: Math.max(1, availableParallelism() - 1), minBytes: 131_072, queueMax: 64, timeoutMs: 60_000, shareRules: availableParallelism() >= 2 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the scan pool settings; 0 workers judges everything on the main thread', () => {
    const c = loadConfig({ SCAN_WORKERS: '0', SCAN_WORKER_MIN_BYTES: '262144', SCAN_QUEUE_MAX: '8', SCAN_TIMEOUT_MS: '5000', SCAN_SHARE_RULES: 'false' });
    expect(c.scan).toEqual({ workers: 0, minBytes: 262_144, queueMax: 8, timeoutMs: 5_000, shareRules: false });
    expect(loadConfig({ SCAN_SHARE_RULES: 'true' }).scan.shareRules).toBe(true);
  });

  it('names the variable and the problem', () => {
    const bad: [Record<string, string>, string][] = [
      [{ UPSTREAM_URL: 'ftp://x' }, 'UPSTREAM_URL'],
      [{ PORT: 'eighty' }, 'PORT'],
      [{ MAX_BODY_BYTES: '-1' }, 'MAX_BODY_BYTES'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ ADMIN_TOKENS: 'short' }, 'ADMIN_TOKENS'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ SCAN_WORKERS: '-1' }, 'SCAN_WORKERS'],
      [{ SCAN_WORKER_MIN_BYTES: '0' }, 'SCAN_WORKER_MIN_BYTES'],
      [{ SCAN_TIMEOUT_MS: '10' }, 'SCAN_TIMEOUT_MS'],
      [{ SCAN_SHARE_RULES: 'sometimes' }, 'SCAN_SHARE_RULES'],
    ];
    for (const [env, variable] of bad) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      try {
        loadConfig(env);
      } catch (e) {
        expect((e as ConfigError).variable).toBe(variable);
      }
    }
  });

  it('requires UPSTREAM_URL only when asked to', () => {
    expect(loadConfig({}).upstreamUrl).toBeNull();
    expect(() => loadConfig({}, { requireUpstream: true })).toThrow(/UPSTREAM_URL/);
  });

  it('splits token lists and treats empty values as unset', () => {
    const c = loadConfig({ ADMIN_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ', PORT: '' });
    expect(c.admin.adminTokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(c.proxy.port).toBe(8080);
  });
});
