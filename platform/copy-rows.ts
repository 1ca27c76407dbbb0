import type { Database } from './database';

/**
 * Appends `rows` to `table` with COPY, each row's `columns` in that order; returns how many rows it wrote. Each
 * agency's seeding calls it for its own tables (the seed tool hands rows over, it writes no table itself).
 */
export async function copyRows<Row extends object>(
  db: Database,
  table: string,
  columns: ReadonlyArray<keyof Row & string>,
  rows: readonly Row[],
): Promise<number> {
  if (rows.length > 0) await db.copyCsv(table, columns, rows.map((row) => csvLine(columns.map((column) => row[column]))).join(''));
  return rows.length;
}

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
