// What each detector holds back at the end of a text seen so far (SyncScanner.pendingFrom):
// the tail that could still become, or still change, a match, and nothing else. Whether a
// tail is held early enough is checked by the stream properties (engine/); these examples
// say how little is held, so that a regression to "hold everything" shows.
import { describe, expect, it } from 'vitest';
import { getDetector } from '../../../src/filters/detectors/index.js';
import type { SyncScanner } from '../../../src/filters/types.js';

function scanner(id: string, options: unknown = {}): SyncScanner {
  const detector = getDetector(id)!;
  const created = detector.create(detector.options.parse(options));
  if (created.kind !== 'sync' || created.pendingFrom === undefined) throw new Error(`${id} has no pendingFrom`);
  return created;
}

/** The tail held back for `text`, looking at all of it. */
function held(s: SyncScanner, text: string, from = 0): string {
  const p = s.pendingFrom!(text, from);
  expect(p).toBeGreaterThanOrEqual(from);
  expect(p).toBeLessThanOrEqual(text.length);
  return text.slice(p);
}

type Cases = ReadonlyArray<readonly [text: string, tail: string]>;

function table(id: string, cases: Cases, options?: unknown): void {
  it.each(cases)(`${id}: %j holds %j`, (text, tail) => {
    expect(held(scanner(id, options), text)).toBe(tail);
  });
}

describe('pendingFrom of the built-in detectors', () => {
  table('keywords', [
    ['The weather is fine', ''],
    ['we discussed project', 'project'],
    ['we discussed Project Nigh', 'Project Nigh'],
    ['we discussed project nightingale', 'project nightingale'], // the next character decides
    ['we discussed project nightingale.', ''],
    ['a proj', 'proj'],
    ['Ｐｒｏｊｅｃｔ ｎｉ', 'Ｐｒｏｊｅｃｔ ｎｉ'],
    ['project\u200B', 'project\u200B'],
    ['done.\u200B', ''],
  ], { keywords: ['project nightingale', 'bad'] });

  // A word could still become a name (`fine.api_key = …`), and a space or quote is a
  // character an Azure client secret may follow: prose waits for its last word at most.
  table('secret', [
    ['The weather is fine', 'fine'],
    ['The weather is fine.', 'fine.'],
    ['The weather is fine, ', ' '],
    ['set the password', 'password'],
    ['set the password = "', 'password = "'],
    ['export GITHUB_TOKEN=ghp_abc', 'GITHUB_TOKEN=ghp_abc'],
    ['here it is: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA'],
    // A character no key block has ends it: only the quote could still begin something.
    ['here it is: -----BEGIN RSA PRIVATE KEY-----\nMIIE"', '"'],
  ]);

  table('email', [
    ['Write to me', 'me'],
    ['Write to me, ', ''],
    ['Write to jane.doe', 'jane.doe'],
    ['Write to jane.doe@example.co', 'jane.doe@example.co'],
    ['Write to jane.doe@example.com today', 'today'],
    ['Write to jane.doe@example.com, today', 'today'],
    ['file .hidden', 'hidden'],
  ]);

  table('credit_card', [
    ['The year was 2024', '2024'],
    ['The year was 2024.', ''],
    ['card 4111 1111 11', '4111 1111 11'],
    ['card 4111-1111-', '4111-1111-'],
    ['a word ', ''],
  ]);

  table('ssn', [
    ['SSN is 536-22', '536-22'],
    ['SSN is ', ''],
    ['SSN is 536-22-1234.', ''],
  ]);

  table('cn_resident_id', [
    ['身份证号：1101051949', '1101051949'],
    ['身份证号：11010519491231002X', '11010519491231002X'],
    ['a box', ''],
  ]);

  table('iban', [
    ['Pay to DE89 3704', 'DE89 3704'],
    ['Pay to D', 'D'],
    ['Pay to DE', 'DE'],
    ['Pay the bill', ''],
    ['Pay to DE89 3704 0044 0532 0130 00.', ''],
  ]);

  table('ip_address', [
    ['Server at 192.168.', '192.168.'],
    ['Server at 10.0.0.1', '10.0.0.1'],
    ['Server at 10.0.0.1,', ''],
    ['v6 fe80::1', 'fe80::1'],
    ['a face', 'face'],
    ['a surface', ''],
    ['since', ''],
  ]);

  table('phone', [
    ['Call me', ''],
    ['Call me at (415', '(415'],
    ['Call me at (', '('],
    ['Call me at (see below', ''],
    ['In 2024 we grew', '2024 we grew'],
    ['In 2024 we grew a lot this year', ''],
    // The library reads 16 characters around a candidate: all of its window waits.
    ['Call +1 415 555', 'Call +1 415 555'],
    // An extension's label may be on its way: what it would follow waits, an address too.
    ['Tel 202.55.50.173              ex', 'Tel 202.55.50.173              ex'],
  ]);

  table('regex', [
    ['ssh to build-01.corp.exa', 'build-01.corp.exa'],
    ['ssh to build', 'build'],
    ['ssh to build, ', ''],
  ], { pattern: '\\b[a-z0-9-]+\\.corp\\.example\\.com\\b', flags: 'i' });

  it('looks only from `from` on', () => {
    expect(held(scanner('email'), 'jane.doe', 5)).toBe('doe');
    expect(held(scanner('credit_card'), '4111 1111', 9)).toBe('');
  });

  it('falls back to the fixed bound for a pattern it cannot read', () => {
    const detector = getDetector('regex')!;
    const s = detector.create(detector.options.parse({ pattern: '\\Qa.b\\E' }));
    expect(s.kind === 'sync' && s.pendingFrom).toBe(undefined);
  });
});
