// IPv6 is only tried where a colon admits an address start; these edge cases pin down that
// the result is what a walk of the pattern over every position finds (recorded from one).
import { describe, expect, it } from 'vitest';
import { ipAddress } from '../../../src/filters/detectors/ip-address.js';

const CASES: Array<[string, string[]]> = [
  ['abcde:1::2', []],
  ['abcd:1::2', ['abcd:1::2']],
  ['x:fe80::1', []],
  ['.fe80::1', []],
  ['_::1', []],
  [' ::1', ['::1']],
  ['::', []],
  [':::1', []],
  ['1:2:3:4:5:6:7:8', ['1:2:3:4:5:6:7:8']],
  ['1:2:3:4:5:6:7:8:9', []],
  ['fe80::1::2', []],
  ['a::b::c', []],
  ['2001:db8::1.2.3.4', ['2001:db8::1.2.3.4']],
  ['::ffff:1.2.3.4', ['::ffff:1.2.3.4']],
  ['fe80::1%eth0', ['fe80::1']],
  ['[::1]:80', ['::1']],
  ['abcdef::1', []],
  ['g::1', []],
  ['G1::2', []],
  ['12:30:45', []],
  ['a:b', []],
  ['a::', ['a::']],
  ['1::', ['1::']],
  ['0::0', []],
  ['ab::cd::ef 1::2', ['1::2']],
  ['1:2:3:4:5:6:1.2.3.4', ['1:2:3:4:5:6:1.2.3.4']],
  ['x 1:2:3:4:5:6:1.2.3.4', ['1:2:3:4:5:6:1.2.3.4']],
  ['ff:ff:ff:ff:ff:ff:ff:ff:ff:ff', []],
  ['::1:', []],
  ['::1.', ['::1']],
  ['::1.2', []],
  ['fe80::1 fe80::2', ['fe80::1', 'fe80::2']],
  ['fe80::1,fe80::2', ['fe80::1', 'fe80::2']],
  ['dead:beef::1', ['dead:beef::1']],
  ['DEAD:BEEF::', ['DEAD:BEEF::']],
  ['é::1', ['::1']],
  ['😀::1', ['::1']],
  ['1.2.3.4', ['1.2.3.4']],
  ['a:1.2.3.4', ['1.2.3.4']],
  ['::1.2.3.4.5', []],
];

describe('ip_address edge cases', () => {
  const scanner = ipAddress.create({});
  it.each(CASES)('%s', (text, expected) => {
    if (scanner.kind !== 'sync') throw new Error('expected a sync detector');
    expect(scanner.scan(text).map((s) => text.slice(s.start, s.end))).toEqual(expected);
  });
});
