// CSV for audit exports: RFC 4180 (comma-separated, CRLF line ends, a field holding a
// comma, a quote, CR or LF is quoted and its quotes doubled), plus a guard against formula
// injection: prompts are attacker-controlled text, and a spreadsheet runs a cell that
// starts with = + - @ (or a tab or CR before one) as a formula. Such text fields get a
// leading apostrophe, as OWASP advises, which spreadsheets hide; numbers are written as
// numbers and left alone. The NDJSON export is the byte-exact one.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  let s = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
