// Identifiers the sidecar makes: time-ordered UUIDv7 record ids and key fingerprints.
import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * RFC 9562 UUIDv7: 48-bit Unix ms, then a 12-bit counter (method 1) so ids made in the same
 * millisecond by this process still sort in creation order, then 62 random bits.
 */
export function uuidv7(now: number = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
    if (seq > 0xfff) {
      // Counter exhausted: borrow the next millisecond rather than lose ordering.
      ms = ++lastMs;
      seq = 0;
    }
  } else {
    lastMs = ms;
    seq = randomBytes(2).readUInt16BE(0) & 0x3ff; // random start leaves room to count up
  }
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A short, stable fingerprint of an API key: enough to group calls by key and to match a
 * key an auditor holds, never enough to recover it. 12 hex chars = 48 bits.
 */
export function keyFingerprint(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const key = authorization.replace(/^Bearer\s+/i, '').trim();
  if (key === '') return null;
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
