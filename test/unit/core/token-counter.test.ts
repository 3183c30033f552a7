// The token counter's worker counts as the main thread would, holds nothing open when
// idle, and survives its worker's death.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenCounter } from '../../../src/openai/token-counter.js';
import { estimateUsage } from '../../../src/openai/usage.js';

const counters: TokenCounter[] = [];
const make = (url?: URL): TokenCounter => {
  const c = new TokenCounter(url);
  counters.push(c);
  return c;
};
afterEach(async () => {
  await Promise.all(counters.splice(0).map((c) => c.close()));
});

describe('TokenCounter', () => {
  it('gives the o200k counts of the main thread, null for null', async () => {
    const texts = ['', 'Hello, world!', 'Grüße aus Köln — 東京の天気は晴れ 🙂', 'x'.repeat(10_000), null];
    const counts = await make().count(texts);
    expect(counts).toEqual(texts.map((t) => (t === null ? null : countTokens(t))));
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('answers concurrent counts each with its own texts', async () => {
    const c = make();
    const texts = Array.from({ length: 20 }, (_, i) => 'word '.repeat(i * 7));
    const counts = await Promise.all(texts.map((t) => c.count([t])));
    expect(counts.map((r) => r[0])).toEqual(texts.map((t) => countTokens(t)));
  });

  it('rejects counts out when closed, and later ones', async () => {
    const c = make();
    const out = expect(c.count(['some text '.repeat(50_000)])).rejects.toThrow(/closed/);
    await c.close();
    await out;
    await expect(c.count(['two words'])).rejects.toThrow(/closed/);
  });

  it('rejects, not hangs, when its worker cannot start', async () => {
    const c = make(new URL('data:text/javascript,throw new Error("no tokenizer here")'));
    await expect(c.count(['text'])).rejects.toThrow(/crashed|exited/);
    await expect(c.count(['text'])).rejects.toThrow(/crashed|exited/);
  });
});

describe('estimateUsage', () => {
  it('counts the prompt and the completion seen', async () => {
    const usage = await estimateUsage('What is the capital of France?', 'Paris.');
    expect(usage).toEqual({
      promptTokens: countTokens('What is the capital of France?'),
      completionTokens: countTokens('Paris.'),
      totalTokens: countTokens('What is the capital of France?') + countTokens('Paris.'),
      cachedTokens: null,
      reasoningTokens: null,
    });
    expect(await estimateUsage(null, null)).toMatchObject({ promptTokens: 0, completionTokens: null, totalTokens: 0 });
    expect(await estimateUsage('', '')).toMatchObject({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });
});
