import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../../src/filters/mask-secrets.js';

describe('maskSecrets', () => {
  it('masks credentials in short metadata and leaves other text alone', () => {
    const key = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
    expect(maskSecrets(`model gpt-${key} x`)).toBe('model gpt-[REDACTED:secret] x');
    expect(maskSecrets('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(maskSecrets('')).toBe('');
  });
});
