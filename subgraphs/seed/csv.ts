/** One CSV line in PostgreSQL's COPY ... (FORMAT csv) dialect: empty unquoted field is NULL. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Array.isArray(value)) return quote(`{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- seed rows hold strings, numbers and bigints here
  return quote(String(value));
}

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}
