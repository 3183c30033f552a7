// Where a /v1 call goes on the upstream: its base path, then the rest of the call's path
// and its query as sent.
import { describe, expect, it } from 'vitest';
import { upstreamPath, urlPath } from '../../../src/http/proxy/handler.js';

describe('upstreamPath', () => {
  it('puts the rest of the path after the base path and keeps the query', () => {
    expect(upstreamPath('/v1', '/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(upstreamPath('/gateway/openai/v1', '/v1/models?limit=2&after=a/b')).toBe('/gateway/openai/v1/models?limit=2&after=a/b');
    expect(upstreamPath('', '/v1/embeddings')).toBe('/embeddings');
  });

  it('gives / for an empty path and collapses runs of slashes in the path only', () => {
    expect(upstreamPath('', '/v1')).toBe('/');
    expect(upstreamPath('', '/v1?x=1')).toBe('/?x=1');
    expect(upstreamPath('/base', '/v1//models?next=//x')).toBe('/base/models?next=//x');
  });
});

describe('urlPath', () => {
  it('is the URL without its query', () => {
    expect(urlPath('/v1/models?limit=2')).toBe('/v1/models');
    expect(urlPath('/v1')).toBe('/v1');
  });
});
