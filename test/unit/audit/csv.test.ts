// CSV fields: RFC 4180 quoting and the formula-injection guard.
import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../../src/audit/csv.js';
import { parseCsv } from './support/csv-parse.js';

describe('csvField', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rlf')).toBe('"cr\rlf"');
  });

  it('writes null as an empty field, dates as ISO, objects as JSON, numbers as they are', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(csvField({ a: [1, 'x'] })).toBe('"{""a"":[1,""x""]}"');
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField(true)).toBe('true');
  });

  it('neutralises text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('a=1')).toBe('a=1');
  });

  it('round-trips through a strict RFC 4180 parser', () => {
    const values = ['a,b', 'q"u"o"te', 'multi\r\nline\nend', '', 'ünïcödé ✓', '"', ',', 'x'];
    const text = csvLine(values) + csvLine(['1', '2']);
    expect(parseCsv(text)).toEqual([values, ['1', '2']]);
  });
});
