// Identifiers the sidecar makes: time-ordered UUIDv7 record ids and key fingerprints.
import crypto, { randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * Random bytes are drawn in blocks: one randomFillSync per POOL_IDS ids instead of two
 * randomBytes calls (two buffers) per id.
 */
const POOL_IDS = 256;
const pool = Buffer.alloc(POOL_IDS * 10);
let poolAt = pool.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Ten fresh random bytes at the returned offset of `pool`. */
function random10(): number {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += 10;
  return at;
}

/**
 * RFC 9562 UUIDv7: 48-bit Unix ms, then a 12-bit counter (method 1) so ids made in the same
 * millisecond by this process still sort in creation order, then 62 random bits.
 */
export function uuidv7(now: number = Date.now()): string {
  const r = random10();
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
    seq = ((pool[r]! << 8) | pool[r + 1]!) & 0x3ff; // random start leaves room to count up
  }
  const hi = Math.floor(ms / 0x10000); // the top 32 of the 48 bits
  const time = (hi >>> 0).toString(16).padStart(8, '0') + (ms & 0xffff).toString(16).padStart(4, '0');
  const h = HEX;
  return (
    `${time.slice(0, 8)}-${time.slice(8)}-` +
    `${h[0x70 | ((seq >> 8) & 0x0f)]}${h[seq & 0xff]}-` +
    `${h[0x80 | (pool[r + 2]! & 0x3f)]}${h[pool[r + 3]!]}-` +
    `${h[pool[r + 4]!]}${h[pool[r + 5]!]}${h[pool[r + 6]!]}${h[pool[r + 7]!]}${h[pool[r + 8]!]}${h[pool[r + 9]!]}`
  );
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SHA-256 (hex) of a text's UTF-8 bytes. crypto.hash (Node 20.12) does it in one call,
 * without a Hash object per call; createHash where it is missing.
 */
export const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A short, stable fingerprint of an API key: enough to group calls by key and to match a
 * key an auditor holds, never enough to recover it. 12 hex chars = 48 bits.
 */
export function keyFingerprint(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const key = authorization.replace(/^Bearer\s+/i, '').trim();
  if (key === '') return null;
  return sha256Hex(key).slice(0, 12);
}
