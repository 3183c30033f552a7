// Header hygiene shared by the proxy: hop-by-hop headers never cross it, and the
// caller's request id is kept only when it is sane.

/** RFC 9110 §7.6.1 connection-specific headers, plus ones this proxy answers itself. */
export const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect',
]);

export function connectionTokens(value: string | string[] | undefined): string[] {
  if (!value) return [];
  return (Array.isArray(value) ? value.join(',') : value).split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}

const SANE_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

export function saneRequestId(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && SANE_ID.test(v) ? v : null;
}

export function headerValue(value: string | string[] | undefined, maxLength = 256): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return null;
  return v.length > maxLength ? v.slice(0, maxLength) : v;
}
