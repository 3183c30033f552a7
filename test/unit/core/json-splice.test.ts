// Redactions written into a request body's own bytes (src/openai/json-splice.ts): for any
// way the client wrote its JSON (spacing, escapes, duplicate keys), JSON.parse of the result
// is the parsed body with the redacted text written in, and every other byte is the
// client's; a body it cannot edit safely is left to re-serialising.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRedactions, type RedactionSpan } from '../../../src/filters/redact.js';
import { locateString, repeatedKey, SPLICE_READ_BUDGET, spliceRedactions } from '../../../src/openai/json-splice.js';

const UNITS = ['a', 'b', ' ', '"', '\\', '\n', '\t', '\u0001', '/', 'é', '中', '😀', '\ud800', '\udc00', '\u2028', 'Z'];
const text = fc.array(fc.constantFrom(...UNITS), { maxLength: 40 }).map((a) => a.join(''));
const LABELS = ['[REDACTED:email]', '[REDACTED:secret]', '[REDACTED:"odd\\label"]'];

/** The same JSON written differently: non-ASCII and `/` inside strings as escapes, at random. */
function rewrite(json: string, pick: () => boolean): string {
  let out = '';
  for (const ch of json) {
    if (ch === '/' && pick()) out += '\\/';
    else if (ch.charCodeAt(0) > 0x7f && pick()) {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

describe('spliceRedactions', () => {
  it('gives the parsed body with the redactions written in, and keeps every other byte', () => {
    fc.assert(
      fc.property(
        text,
        fc.array(fc.record({ a: fc.nat(60), b: fc.nat(60), label: fc.constantFrom(...LABELS) }), { maxLength: 6 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom(0, 2, '\t'),
        fc.infiniteStream(fc.boolean()),
        (target, raw, before, after, indent, coins) => {
          const spans: RedactionSpan[] = raw.map(({ a, b, label }) => ({ start: Math.min(a, b), end: Math.max(a, b), label }));
          const parsed = { model: 'm', before, messages: [{ role: 'system', content: 'x/y' }, { role: 'user', content: target }], after };
          const it = coins[Symbol.iterator]();
          const json = `{"keep":1.0,${rewrite(JSON.stringify(parsed, null, indent), () => it.next().value as boolean).slice(1)}`;
          const body = Buffer.from(json);
          const out = spliceRedactions(body, [{ path: ['messages', 1, 'content'], text: target, spans }]);
          expect(out).not.toBeNull();
          const expected = { keep: 1, ...parsed, messages: [parsed.messages[0], { role: 'user', content: applyRedactions(target, spans) }] };
          // (through JSON, as the client's body went: -0 is written as 0)
          expect(JSON.parse(out!.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(expected)));
          // Bytes before the edited string are the client's, `1.0` included.
          const at = locateString(body, ['messages', 1, 'content'])!;
          expect(out!.subarray(0, at.open).equals(body.subarray(0, at.open))).toBe(true);
          expect(out!.toString('utf8').startsWith('{"keep":1.0,')).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('places spans in long plain-ASCII runs (crossed a word at a time) wherever the body lies in its memory', () => {
    // Mostly letters, so runs of four and more plain bytes meet word boundaries at every
    // alignment; the body is laid at offsets 0-3 of its memory.
    const ascii = fc
      .array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom('a', 'b', ' ', 'Z', '.') }, { weight: 1, arbitrary: fc.constantFrom(...UNITS) }), { maxLength: 300 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(
        ascii,
        fc.array(fc.record({ a: fc.nat(320), b: fc.nat(320), label: fc.constantFrom(...LABELS) }), { maxLength: 8 }),
        fc.nat(3),
        fc.nat(7),
        fc.infiniteStream(fc.boolean()),
        (target, raw, offset, pad, coins) => {
          const spans: RedactionSpan[] = raw.map(({ a, b, label }) => ({ start: Math.min(a, b), end: Math.max(a, b), label }));
          const parsed = { model: 'm', messages: [{ role: 'user', content: target }], pad: 'x'.repeat(pad) };
          const it = coins[Symbol.iterator]();
          const bytes = Buffer.from(rewrite(JSON.stringify(parsed), () => it.next().value as boolean));
          const memory = new ArrayBuffer(bytes.length + 8);
          const body = Buffer.from(memory, offset, bytes.length);
          bytes.copy(body);
          const out = spliceRedactions(body, [{ path: ['messages', 0, 'content'], text: target, spans }]);
          expect(out).not.toBeNull();
          expect(JSON.parse(out!.toString('utf8'))).toEqual({ ...parsed, messages: [{ role: 'user', content: applyRedactions(target, spans) }] });
        },
      ),
      { numRuns: 600 },
    );
  });

  it('edits several strings, anywhere in the body', () => {
    const body = Buffer.from('{"messages":[{"role":"user","content":[{"type":"text","text":"mail a@b.c now"},{"type":"text","text":"or c@d.e"}]}],"temperature":1.0}');
    const out = spliceRedactions(body, [
      { path: ['messages', 0, 'content', 1, 'text'], text: 'or c@d.e', spans: [{ start: 3, end: 8, label: '[REDACTED:email]' }] },
      { path: ['messages', 0, 'content', 0, 'text'], text: 'mail a@b.c now', spans: [{ start: 5, end: 10, label: '[REDACTED:email]' }] },
    ]);
    expect(out!.toString()).toBe(
      '{"messages":[{"role":"user","content":[{"type":"text","text":"mail [REDACTED:email] now"},{"type":"text","text":"or [REDACTED:email]"}]}],"temperature":1.0}',
    );
  });

  it('finds the member JSON.parse keeps when a key repeats, and one whose name is escaped', () => {
    const body = Buffer.from('{"prompt":"old secret","x":[[[{"prompt":"no"}]]],"pr\\u006fmpt":"the secret"}');
    expect(JSON.parse(body.toString()).prompt).toBe('the secret');
    const out = spliceRedactions(body, [{ path: ['prompt'], text: 'the secret', spans: [{ start: 4, end: 10, label: '[X]' }] }]);
    expect(out!.toString()).toBe('{"prompt":"old secret","x":[[[{"prompt":"no"}]]],"pr\\u006fmpt":"the [X]"}');
  });

  it('skips deep nesting beside the path without recursion', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const body = Buffer.from(`{"deep":${deep},"prompt":"hide me"}`);
    const out = spliceRedactions(body, [{ path: ['prompt'], text: 'hide me', spans: [{ start: 5, end: 7, label: '[X]' }] }]);
    expect(out!.toString().endsWith('"prompt":"hide [X]"}')).toBe(true);
  });

  it('leaves a body with more redacted strings than its size allows to re-serialising (each is found from the start)', () => {
    const message = '{"role":"user","content":"x a@b.cc"}';
    const span = [{ start: 2, end: 8, label: '[REDACTED:email]' }];
    const bodyOf = (n: number) => Buffer.from(`{"messages":[${Array.from({ length: n }, () => message).join(',')}]}`);
    const editsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ path: ['messages', i, 'content'], text: 'x a@b.cc', spans: span }));
    const fits = Math.floor(Math.sqrt(SPLICE_READ_BUDGET / (message.length + 1)));
    expect(spliceRedactions(bodyOf(fits - 10), editsOf(fits - 10))).not.toBeNull();
    expect(spliceRedactions(bodyOf(fits + 10), editsOf(fits + 10))).toBeNull();
  });

  it('refuses, for re-serialising instead: bytes that are not UTF-8, a path to no string, a text that does not match', () => {
    const spans = [{ start: 0, end: 2, label: '[X]' }];
    const invalid = Buffer.concat([Buffer.from('{"prompt":"ab'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(spliceRedactions(invalid, [{ path: ['prompt'], text: 'ab\ufffd', spans }])).toBeNull();
    expect(spliceRedactions(Buffer.from('{"prompt":12}'), [{ path: ['prompt'], text: '12', spans }])).toBeNull();
    expect(spliceRedactions(Buffer.from('{"prompt":["ab"]}'), [{ path: ['prompt'], text: 'ab', spans }])).toBeNull();
    expect(spliceRedactions(Buffer.from('{"prompt":"ab"}'), [{ path: ['prompt', 0], text: 'ab', spans }])).toBeNull();
    expect(spliceRedactions(Buffer.from('{"prompt":"abc"}'), [{ path: ['prompt'], text: 'ab', spans }])).toBeNull();
    expect(spliceRedactions(Buffer.from('{"prompt":"xy"}'), [{ path: ['prompt'], text: 'ab', spans }])).toBeNull();
    expect(spliceRedactions(Buffer.from('{"other":"ab"}'), [{ path: ['prompt'], text: 'ab', spans }])).toBeNull();
  });
});

describe('repeatedKey', () => {
  it('finds a key given twice in one object, at any depth, however it is written', () => {
    expect(repeatedKey(Buffer.from('{"a":1,"b":{"c":[{"d":1},{"d":2}]},"e":"\\"a\\":1"}'))).toBeNull();
    expect(repeatedKey(Buffer.from('{"a":1,"a":2}'))).toBe('a');
    expect(repeatedKey(Buffer.from('{"m":[{"role":"user","content":"x" , "content" :"y"}]}'))).toBe('content');
    expect(repeatedKey(Buffer.from('{"a":1,"\\u0061":2}'))).toBe('a');
    expect(repeatedKey(Buffer.from('[{"k":1},{"k":2},{"x":{"k":3,"y":[],"k":4}}]'))).toBe('k');
    expect(repeatedKey(Buffer.from(`{"deep":${'['.repeat(50_000)}{"z":1,"z":2}${']'.repeat(50_000)}}`))).toBe('z');
  });

  it('agrees with a reference on random JSON (no repeats) and with those repeats added', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 6 }), (value, key) => {
        const text = JSON.stringify(value);
        expect(repeatedKey(Buffer.from(text))).toBeNull();
        const twice = `{${JSON.stringify(key)}:${text},${JSON.stringify(key)}:0}`;
        expect(repeatedKey(Buffer.from(twice))).toBe(key);
      }),
    );
  });
});
