import { z } from 'zod';
import type { Detector, Span, SyncScanner } from '../types.js';
import { forEachMatch } from './lib/matches.js';
import { firstIn, trailingRun } from './lib/pending.js';
import { readingPastInvisible } from './lib/invisible.js';

// Both patterns are bounded (at most 45 characters from any start), so linear (see
// lib/matches.ts).
//
// IPv4: four decimal octets 0-255 without leading zeros. A dotted quad that is part of a
// longer dotted sequence (1.2.3.4.5, a version or an OID) is not an address, and neither
// are fewer parts (1.2.3) or octets above 255 (Chrome/120.0.6099.109).
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const V4 = new RegExp(`(?<![0-9A-Za-z_])${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z_])`, 'g');

// IPv6: candidates are the eight-group form (the last two may be a dotted quad) or a
// compressed form around one `::`, not glued to a longer token on the left (`std::vector`);
// a strict parser then checks the group count. Times (12:30:45) and MAC addresses (six
// groups) are never candidates.
const H = '[0-9A-Fa-f]{1,4}';
const V6 = new RegExp(
  `(?<![0-9A-Za-z_:.])(?:(?:${H}:){6}(?:${H}:${H}|\\d{1,3}(?:\\.\\d{1,3}){3})|(?:${H}(?::${H}){0,6})?::(?:${H}(?::${H}){0,6}(?:\\.\\d{1,3}){0,3})?)`,
  'g',
);

/** The longest IPv6 text: eight 4-digit groups, or six groups and a dotted quad. */
const MAX_LENGTH = 45;

const V4_EXACT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** Whether `text` is exactly an IPv4 address as this detector reads one. */
export function isIpv4Address(text: string): boolean {
  return V4_EXACT.test(text);
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function isIpv6(candidate: string): boolean {
  const halves = candidate.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const all = [...groups(halves[0]!), ...(halves.length === 2 ? groups(halves[1]!) : [])];
  let width = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!V4_EXACT.test(last)) return false;
    all.pop();
    width += 1; // a dotted quad fills two groups
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}

/** Something glued on the right means a longer token (a hash, more groups), not an address. */
function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A dot followed by a digit continues a dotted number. */
function continuesDotted(text: string, dot: number): boolean {
  return text.charCodeAt(dot) === 46 && isDigit(text.charCodeAt(dot + 1));
}

/** V6 anchored where it is tried (see v6Spans). */
const V6_AT = new RegExp(V6.source, 'y');

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Letters, digits, `_`, `:` and `.`: what may not come right before an IPv6 address. */
function isV6Glue(c: number): boolean {
  return isWordUnit(c) || c === 58 || c === 46;
}

/**
 * The matches of V6, as a global walk over the text finds them, without trying the pattern
 * at every position of a 4 MB text. Every match has a `:` within its first five characters:
 * either it starts with `::`, or with one to four hex digits and a `:`. Before that colon
 * the match is hex digits only, and the character before the match is no hex digit, so a
 * colon admits one start: right after the run of (at most four) hex digits that ends at
 * it. The pattern runs there only, anchored; like a global walk, the next match is looked
 * for after the end of the last one, whether or not that one was kept.
 */
function v6Spans(text: string): Span[] {
  const spans: Span[] = [];
  let walked = 0; // where a global walk would look next: the end of the last match
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', Math.max(walked, colon + 1))) {
    let start = colon;
    while (start > 0 && colon - start < 5 && isHexDigit(text.charCodeAt(start - 1))) start--;
    if (colon - start > 4 || start < walked) continue;
    if (start > 0 && isV6Glue(text.charCodeAt(start - 1))) continue;
    // `::` at the start, or `h:` followed by a hex digit or the second colon of `::`.
    const next = text.charCodeAt(colon + 1);
    if (start === colon ? next !== 58 : !(next === 58 || isHexDigit(next))) continue;
    V6_AT.lastIndex = start;
    const m = V6_AT.exec(text);
    if (m === null) continue;
    const end = start + m[0].length;
    walked = end;
    if (end < text.length && (isTokenChar(text.charCodeAt(end)) || continuesDotted(text, end))) continue;
    // `::` alone and all-zero forms carry no address worth hiding and appear in code.
    if (!/[1-9A-Fa-f]/.test(m[0]) || !isIpv6(m[0])) continue;
    spans.push({ start, end });
  }
  return spans;
}

function v4Spans(text: string): Span[] {
  const spans: Span[] = [];
  forEachMatch(V4, text, (m) => {
    const start = m.index;
    const end = start + m[0].length;
    if (start >= 2 && continuesDotted(text, start - 1) && isDigit(text.charCodeAt(start - 2))) return;
    if (end < text.length && continuesDotted(text, end)) return;
    spans.push({ start, end });
  });
  return spans;
}

function isAddressUnit(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}

/** What may not precede an address of either form. */
function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Addresses are hex digits, `:` and `.`: one in progress, or one the next character could
 * cancel, lies in the run of those that ends the text. Neither form may start right after
 * a letter, digit or underscore, so when one precedes the run (`since`, `face` in `surface`)
 * only an IPv4 address after a `:` or `.` inside it could start there.
 */
function pendingFrom(text: string, from: number): number {
  const run = trailingRun(text, from, isAddressUnit);
  if (!isWordUnit(text.charCodeAt(run - 1))) return run;
  const separator = firstIn(text, run, text.length, (c) => c === 46 || c === 58);
  return separator < text.length ? separator + 1 : text.length;
}

const options = z.strictObject({});
type IpAddressOptions = z.output<typeof options>;

function create(): SyncScanner {
  return {
    kind: 'sync',
    maxMatchLength: MAX_LENGTH,
    pendingFrom,
    scan(text: string): Span[] {
      const v4 = text.includes('.') ? v4Spans(text) : [];
      const v6 = text.includes(':') ? v6Spans(text) : [];
      if (v6.length === 0) return v4;
      // An IPv6 with an embedded dotted quad also matched as IPv4: keep the IPv6.
      const kept = v4.filter((a) => !v6.some((b) => a.start < b.end && b.start < a.end));
      return [...kept, ...v6].sort((a, b) => a.start - b.start);
    },
  };
}

export const ipAddress: Detector<IpAddressOptions> = {
  id: 'ip_address',
  description: 'IPv4 and IPv6 addresses (including compressed and IPv4-embedded IPv6)',
  options,
  create: () => readingPastInvisible(create()),
  examples: {
    positive: [
      { text: 'Server at 192.168.1.20, gateway 10.0.0.1.', matches: ['192.168.1.20', '10.0.0.1'] },
      { text: 'curl http://203.0.113.7:8080/health', matches: ['203.0.113.7'] },
      { text: 'v6 2001:0db8:85a3:0000:0000:8a2e:0370:7334 ok', matches: ['2001:0db8:85a3:0000:0000:8a2e:0370:7334'] },
      { text: 'compressed 2001:db8::1 and fe80::1ff:fe23:4567:890a%eth0', matches: ['2001:db8::1', 'fe80::1ff:fe23:4567:890a'] },
      { text: 'loopback ::1, mapped ::ffff:192.0.2.128', matches: ['::1', '::ffff:192.0.2.128'] },
      { text: 'Connecting to [2001:db8:0:0:1::2]:443', matches: ['2001:db8:0:0:1::2'] },
    ],
    negative: [
      { text: 'upgrade to 1.2.3 or 10.4.1-beta' },
      { text: 'version 1.2.3.4.5 and OID 1.3.6.1.4.1.311' },
      { text: 'Chrome/120.0.6099.109 and 256.1.1.1' },
      { text: 'meeting at 12:30:45, MAC 00:1A:2B:3C:4D:5E' },
      { text: 'std::vector<int> and Foo::bar::baz, a :: b' },
      { text: 'dates 01.02.2023 and 3.14159' },
      { text: 'sha 2001:db8:85a3:0:0:8a2e:370:7334:1234:5678 is too long' },
    ],
  },
};
