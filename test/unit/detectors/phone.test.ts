import { describe, expect, it } from 'vitest';
import { phone } from '../../../src/filters/detectors/phone.js';

describe('phone detector options', () => {
  it('takes an ISO country for numbers written without a country code', () => {
    expect(phone.options.parse({})).toEqual({ default_country: 'US' });
    for (const bad of [{ default_country: 'us' }, { default_country: 'XX' }, { default_country: 'USA' }]) {
      expect(phone.options.safeParse(bad).success).toBe(false);
    }
  });

  it('reads national numbers by the default country only', () => {
    const text = 'Büro: 030 901820';
    const german = phone.create(phone.options.parse({ default_country: 'DE' }));
    const american = phone.create(phone.options.parse({}));
    if (german.kind !== 'sync' || american.kind !== 'sync') throw new Error('phone must be sync');
    expect(german.scan(text).length).toBe(1);
    expect(american.scan(text)).toEqual([]);
  });
});
