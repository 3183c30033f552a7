// Credentials in the short strings a record or a metric keeps beside the judged text
// (model name, caller, request id, an upstream error's message): whatever the policies
// say, a key found there is masked before it is stored, logged or exported, as the
// house rule wants of every matched secret.
import { secret } from './detectors/secret.js';

const scanner = secret.create(secret.options.parse({}));

/** The text with every credential the secret detector finds replaced by `[REDACTED:secret]`. */
export function maskSecrets(text: string): string {
  if (scanner.kind !== 'sync' || text.length === 0) return text;
  const spans = scanner.scan(text);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    out += `${text.slice(at, span.start)}[REDACTED:secret]`;
    at = span.end;
  }
  return out + text.slice(at);
}

/** maskSecrets for a value that may be absent. */
export function maskSecretsIn(text: string | null): string | null {
  return text === null ? null : maskSecrets(text);
}
