import fc from 'fast-check';
import { findNumbers, type CountryCode } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { phone } from '../../../src/filters/detectors/phone.js';
import type { SyncScanner } from '../../../src/filters/types.js';

function scanner(options: unknown = {}): SyncScanner {
  const s = phone.create(phone.options.parse(options));
  if (s.kind !== 'sync') throw new Error('phone must be sync');
  return s;
}

const found = (s: SyncScanner, text: string): string[] => s.scan(text).map((span) => text.slice(span.start, span.end));

describe('phone detector options', () => {
  it('takes an ISO country for numbers written without a country code', () => {
    expect(phone.options.parse({})).toEqual({ default_country: 'US' });
    for (const bad of [{ default_country: 'us' }, { default_country: 'XX' }, { default_country: 'USA' }]) {
      expect(phone.options.safeParse(bad).success).toBe(false);
    }
  });

  it('reads national numbers by the default country only', () => {
    const text = 'Büro: 030 901820';
    expect(scanner({ default_country: 'DE' }).scan(text).length).toBe(1);
    expect(scanner().scan(text)).toEqual([]);
  });
});

describe('phone detector: what the library finds in the whole text', () => {
  it('finds numbers written next to each other as one run of digits', () => {
    const s = scanner();
    expect(found(s, 'call 2025550173 4155552671 now')).toEqual(['2025550173', '4155552671']);
    expect(found(s, '(202) 555-0173 (415) 555-2671')).toEqual(['(202) 555-0173', '(415) 555-2671']);
    expect(found(s, 'numbers: 202-555-0173/415-555-2671.')).toEqual(['202-555-0173', '415-555-2671']);
    expect(found(s, 'dial 202.555.0173. 415.555.2671 ok')).toEqual(['202.555.0173', '415.555.2671']);
  });

  it('finds numbers dialled with the international call prefix, and after a letter when a `+` leads them', () => {
    expect(found(scanner(), 'from the US dial 011 44 20 7946 0958')).toEqual(['011 44 20 7946 0958']);
    expect(found(scanner({ default_country: 'DE' }), 'aus Deutschland 0044 20 7946 0958')).toEqual(['0044 20 7946 0958']);
    expect(found(scanner(), 'order+33 1 09 75 83 51')).toEqual(['+33 1 09 75 83 51']);
  });

  it('reads full-width and Arabic-Indic digits as the library does', () => {
    const s = scanner();
    expect(found(s, '電話 ２０２−５５５−０１７３')).toEqual(['２０２−５５５−０１７３']);
    expect(found(s, 'tel +４４ ２０ ７９４６ ０９５８')).toEqual(['+４４ ２０ ７９４６ ０９５８']);
    expect(found(scanner({ default_country: 'JP' }), '電話：０３−１２３４−５６７８')).toEqual(['０３−１２３４−５６７８']);
    expect(found(scanner({ default_country: 'GB' }), 'هاتف ٠٢٠٧٩٤٦٠٩٥٨')).toEqual(['٠٢٠٧٩٤٦٠٩٥٨']);
  });

  it('keeps an extension, however it is written', () => {
    const s = scanner();
    expect(found(s, 'dial 202-555-0173 extension: 1234567 for billing')).toEqual(['202-555-0173 extension: 1234567']);
    expect(found(s, 'dial 202.555.017.3~851 now')).toEqual(['202.555.017.3~851']);
  });

  it('leaves out the numbers a long run of digits only seems to hold', () => {
    const s = scanner();
    expect(found(s, 'card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, ref 876967942578')).toEqual([]);
    // The library reads the second run whole (not a number); a window cut after its third
    // block would have shown it a number.
    expect(found(s, 'call 202-555-0173 o 202-555-0174-1234')).toEqual(['202-555-0173']);
  });

  // The detector sends the library only small windows around the places a number could be;
  // on any text it must find exactly what the library finds in the whole of it (less dates
  // and IPv4 addresses, and findings longer than a number can be).
  const NUMBERS = [
    '(202) 555-0173', '202-555-0173', '2025550173', '415.555.2671', '+1 415 555 0132', '+1-212-555-0147', '1 202 555 0173',
    '+44 20 7946 0958', '(+44) 20 7946 0958', '+(44) 20 7946 0958', '020 7946 0958', '07700 900123', '011 44 20 7946 0958',
    '0044 20 7946 0958', '+49 30 901820', '030 901820', '+33 1 09 75 83 51', '06 12 34 56 78', '+86 138 0013 8000',
    '138 0013 8000', '+81 3 1234 5678', '03-1234-5678', '０３−１２３４−５６７８', '＋４４ ２０ ７９４６ ０９５８', '٠٢٠٧٩٤٦٠٩٥٨',
    '+683 4002', '4002', '+7 495 123 45 67', '8 (495) 123-45-67', '(11) 91234-5678', '+91 98765 43210', '098765 43210',
    '2024-01-15', '10.0.0.1', '202.555.017.3', '4111 1111 1111 1111',
  ];
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NUMBERS) },
    { weight: 3, arbitrary: fc.stringMatching(/^[0-9]{1,12}$/) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(' ', '  ', '-', '.', '/', '(', ')', ' - ', '. ', ', ', ',,', ';', '\n', ' / ', '\u00a0', '\t', '#', '+', '[', ']', '~', '－', '　'),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom('call', 'tel:', 'or', 'ID', 'x', 'ext', ' ext. ', ';ext=', ' x ', 'int', 'anexo', 'доб', 'e', 'é', '€', '%', 'about', '電話'),
    },
  );
  const text = fc.array(token, { minLength: 1, maxLength: 16 }).map((t) => t.join(''));
  const DATE = /^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{4})$/;
  const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

  it.each(['US', 'DE', 'GB', 'CN', 'JP', 'BR', 'NU'] as const)('finds what the library finds in the whole text (default country %s)', (country: CountryCode) => {
    const s = scanner({ default_country: country });
    fc.assert(
      fc.property(text, (t) => {
        const library = findNumbers(t, { defaultCountry: country, v2: true })
          .map((f) => [f.startsAt, f.endsAt] as const)
          .filter(([a, b]) => b - a <= 64 && !DATE.test(t.slice(a, b)) && !IPV4.test(t.slice(a, b)));
        expect(s.scan(t).map((span) => [span.start, span.end])).toEqual(library);
      }),
      { numRuns: 400 },
    );
  });
});
