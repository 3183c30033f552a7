import { describe, expect, it } from 'vitest';
import { formatEvent, SseSplitter } from '../../../src/openai/sse.js';

describe('SseSplitter', () => {
  it('yields whole events however the bytes are split, keeping their original text', () => {
    const text = 'data: {"a":1}\n\nevent: x\ndata: two\ndata: lines\n\n: comment\n\ndata: [DONE]\n\n';
    const bytes = Buffer.from(text);
    for (let step = 1; step <= bytes.length; step++) {
      const s = new SseSplitter();
      const events = [];
      for (let i = 0; i < bytes.length; i += step) events.push(...s.push(bytes.subarray(i, i + step)));
      expect(events.map((e) => e.raw).join('')).toBe(text);
      expect(events.map((e) => e.data)).toEqual(['{"a":1}', 'two\nlines', null, '[DONE]']);
      expect(events[1]!.event).toBe('x');
      expect(s.end()).toBe('');
    }
  });

  it('keeps multi-byte characters split across chunks intact and handles CRLF', () => {
    const text = 'data: héllo ✓ 😀\r\n\r\n';
    const bytes = Buffer.from(text);
    const s = new SseSplitter();
    const events = [...bytes].flatMap((b) => s.push(Uint8Array.of(b)));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toBe('héllo ✓ 😀');
  });

  it('formats changed events', () => {
    expect(formatEvent(null, '{"x":1}')).toBe('data: {"x":1}\n\n');
    expect(formatEvent('e', 'a\nb')).toBe('event: e\ndata: a\ndata: b\n\n');
  });
});
