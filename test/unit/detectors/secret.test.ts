import { describe, expect, it } from 'vitest';
import { secret } from '../../../src/filters/detectors/secret.js';
import type { SyncScanner } from '../../../src/filters/types.js';

function scanner(options: unknown = {}): SyncScanner {
  const created = secret.create(secret.options.parse(options));
  if (created.kind !== 'sync') throw new Error('secret must be sync');
  return created;
}

const matched = (s: SyncScanner, text: string): string[] => s.scan(text).map((sp) => text.slice(sp.start, sp.end));

// Built at run time so that no key-shaped literal sits in the source.
const pem = (label: string, lines: number): string =>
  [`-----BEGIN ${label} PRIVATE KEY-----`, ...Array.from({ length: lines }, (_, i) => `${'QUJD'.repeat(16).slice(i % 4)}${'x'.repeat(i % 4)}`), `-----END ${label} PRIVATE KEY-----`].join('\n');

describe('secret detector', () => {
  it('can leave sub-types out', () => {
    const text = 'password: Xk9#mP2$vL8@qR4!';
    expect(matched(scanner(), text)).toEqual(['Xk9#mP2$vL8@qR4!']);
    expect(matched(scanner({ exclude: ['generic-secret-assignment'] }), text)).toEqual([]);
    expect(secret.options.safeParse({ exclude: ['no-such-rule'] }).success).toBe(false);
  });

  it('covers a key longer than the stream bound with consecutive pieces', () => {
    const key = pem('RSA', 100); // about 6,500 characters, like an RSA-8192 key
    const text = `key:\n${key}\n`;
    const s = scanner({ max_match_length: 4096 });
    const spans = s.scan(text);
    expect(spans.length).toBe(2);
    expect(spans[0]!.end).toBe(spans[1]!.start);
    expect(text.slice(spans[0]!.start, spans[1]!.end)).toBe(key);
    for (const span of spans) expect(span.end - span.start).toBeLessThanOrEqual(s.maxMatchLength);
  });

  it('reports the header of a key whose end is missing', () => {
    const text = `${pem('OPENSSH', 3).split('\n').slice(0, 3).join('\n')}\n(truncated)`;
    expect(matched(scanner(), text)).toEqual(['-----BEGIN OPENSSH PRIVATE KEY-----']);
  });

  it('reports the value of an assignment, not its name, and skips stand-ins', () => {
    expect(matched(scanner(), 'export DB_PASSWORD="vK2#pL9$wQ4!zR7@"')).toEqual(['vK2#pL9$wQ4!zR7@']);
    expect(matched(scanner(), 'api_key = "${API_KEY_FROM_VAULT}"')).toEqual([]);
    expect(matched(scanner(), 'token: "aaaaaaaaaaaaaaaaaaaaaaaa"')).toEqual([]);
  });

  it('bounds its options', () => {
    expect(secret.options.safeParse({ max_match_length: 10 }).success).toBe(false);
    expect(scanner().maxMatchLength).toBe(4096);
  });
});
