// Incremental server-sent-events splitting: bytes in, whole events out, each with its
// original text so an event nobody changed is forwarded exactly as the upstream sent it.

export interface SseEvent {
  /** The event's text including its terminating blank line. */
  readonly raw: string;
  readonly event: string | null;
  /** The `data:` lines joined by `\n`; null when the event has none (comments, retry). */
  readonly data: string | null;
}

export class SseSplitter {
  readonly #decoder = new TextDecoder('utf-8');
  #buf = '';

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    this.#buf += this.#decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    for (;;) {
      const end = boundary(this.#buf);
      if (end < 0) break;
      const raw = this.#buf.slice(0, end);
      this.#buf = this.#buf.slice(end);
      events.push(parseEvent(raw));
    }
    return events;
  }

  /** Whatever is left when the stream ends (an unterminated event), as text. */
  end(): string {
    const rest = this.#buf + this.#decoder.decode();
    this.#buf = '';
    return rest;
  }
}

/** Index just past the first event terminator (`\n\n` or `\r\n\r\n`), or -1. */
function boundary(s: string): number {
  const lf = s.indexOf('\n\n');
  const crlf = s.indexOf('\r\n\r\n');
  if (lf < 0 && crlf < 0) return -1;
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  return lf + 2;
}

export function parseEvent(raw: string): SseEvent {
  let event: string | null = null;
  let data: string | null = null;
  for (const line of raw.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  return { raw, event, data };
}

/** Serialises an event whose data the sidecar changed. */
export function formatEvent(event: string | null, data: string): string {
  const lines = data.split('\n').map((l) => `data: ${l}`).join('\n');
  return `${event === null ? '' : `event: ${event}\n`}${lines}\n\n`;
}
