// The moderation detector against a small local stand-in for an OpenAI-compatible
// /v1/moderations endpoint (127.0.0.1, random port).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moderation } from '../../../src/filters/detectors/moderation.js';
import type { AsyncScanner } from '../../../src/filters/types.js';

interface Seen {
  path: string;
  authorization: string | undefined;
  body: unknown;
}

const seen: Seen[] = [];
let server: Server;
let root: string;

const CATEGORIES_FLAGGED = {
  hate: false,
  'hate/threatening': false,
  harassment: false,
  'self-harm': false,
  'self-harm/intent': true,
  sexual: false,
  violence: true,
  'violence/graphic': null,
};

function answer(req: IncomingMessage, res: ServerResponse, raw: string): void {
  const body = JSON.parse(raw) as { input: string };
  seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
  const reply = (status: number, payload: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  switch (body.input) {
    case 'slow':
      setTimeout(() => reply(200, { results: [{ flagged: false, categories: {} }] }), 1000);
      return;
    case 'broken':
      reply(500, { error: { message: 'boom' } });
      return;
    case 'odd':
      reply(200, { results: 'nope' });
      return;
    case 'harmful':
      reply(200, { id: 'modr-1', model: 'omni-moderation-latest', results: [{ flagged: true, categories: CATEGORIES_FLAGGED }] });
      return;
    default:
      reply(200, { results: [{ flagged: false, categories: { hate: false, violence: false } }] });
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => answer(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function scanner(extra: Record<string, unknown> = {}): AsyncScanner {
  const created = moderation.create(moderation.options.parse({ endpoint: root, ...extra }));
  if (created.kind !== 'async') throw new Error('moderation must be async');
  return created;
}

const live = (): AbortSignal => new AbortController().signal;

describe('moderation detector', () => {
  it('reports a flagged text with every flagged category', async () => {
    const verdict = await scanner({ model: 'omni-moderation-latest', api_key: 'k-123' }).check('harmful', live());
    expect(verdict).toEqual({ flagged: true, categories: ['self-harm/intent', 'violence'] });
    expect(seen.at(-1)).toEqual({
      path: '/v1/moderations',
      authorization: 'Bearer k-123',
      body: { input: 'harmful', model: 'omni-moderation-latest' },
    });
  });

  it('passes a text that is not flagged', async () => {
    expect(await scanner().check('hello there', live())).toEqual({ flagged: false, categories: [] });
    expect(seen.at(-1)?.body).toEqual({ input: 'hello there' });
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it('counts only the configured categories, a category covering its sub-categories', async () => {
    expect(await scanner({ categories: ['hate', 'sexual'] }).check('harmful', live())).toEqual({ flagged: false, categories: [] });
    expect(await scanner({ categories: ['self-harm'] }).check('harmful', live())).toEqual({
      flagged: true,
      categories: ['self-harm/intent'],
    });
    expect(await scanner({ categories: ['violence/graphic', 'violence'] }).check('harmful', live())).toEqual({
      flagged: true,
      categories: ['violence'],
    });
  });

  it('fails on a timeout, saying so without quoting the text', async () => {
    const s = scanner({ timeout_ms: 100, on_error: 'block' });
    expect(s.onError).toBe('block');
    await expect(s.check('slow', live())).rejects.toThrow('moderation endpoint did not answer within 100 ms');
  });

  it('fails on an HTTP error or an unexpected answer', async () => {
    await expect(scanner().check('broken', live())).rejects.toThrow('moderation endpoint answered HTTP 500');
    await expect(scanner().check('odd', live())).rejects.toThrow('moderation endpoint answered in an unexpected shape');
    expect(scanner().onError).toBe('allow');
  });

  it('fails when the endpoint is unreachable', async () => {
    const s = moderation.create(moderation.options.parse({ endpoint: 'http://127.0.0.1:1/v1' })) as AsyncScanner;
    await expect(s.check('hello', live())).rejects.toThrow('moderation endpoint unreachable');
  });

  it("stops when the caller's signal aborts", async () => {
    const controller = new AbortController();
    const pending = scanner({ timeout_ms: 5000 }).check('slow', controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow('moderation request cancelled');
  });

  it('validates its options', () => {
    const bad = [{}, { endpoint: 'ftp://x/v1' }, { endpoint: 'not a url' }, { endpoint: root, on_error: 'maybe' }, { endpoint: root, timeout_ms: 0 }, { endpoint: root, categories: [] }];
    for (const options of bad) expect(moderation.options.safeParse(options).success).toBe(false);
    expect(moderation.options.parse({ endpoint: root })).toEqual({ endpoint: root, timeout_ms: 2000, on_error: 'allow' });
  });
});
