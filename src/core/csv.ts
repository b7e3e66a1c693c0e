/**
 * RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote, CR or LF, or a semicolon, which
 * spreadsheets in semicolon locales split on; quotes doubled),
 * safe against spreadsheet formula injection: a text cell starting with = + - @ TAB or CR is prefixed
 * with an apostrophe so spreadsheets show it as text.
 */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s = typeof value === 'number' ? String(value) : String(value);
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Streams a CSV: the header line, then one line per row, page by page, never the whole history at once. */
export async function* csvStream<T>(
  header: string[],
  rows: AsyncIterable<T>,
  toValues: (row: T) => unknown[],
): AsyncGenerator<string> {
  yield `\uFEFF${csvLine(header)}`;
  for await (const row of rows) yield csvLine(toValues(row));
}
