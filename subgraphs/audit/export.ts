import type { Queryable } from '../../platform';
import type { AuditRecord } from './chain';
import { findRecords, type AuditFilter } from './repository';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The fields of a record that the API shows (`AuditRecord`): the CSV's columns, and all an auditor's export holds. */
export const EXPORT_COLUMNS = [
  'seq',
  'requestId',
  'at',
  'principal',
  'clientId',
  'officer',
  'purpose',
  'caseNumber',
  'operationName',
  'operationHash',
  'coordinates',
  'subjects',
  'outcome',
  'errorCodes',
  'subgraphs',
  'durationMs',
  'previousHash',
  'hash',
  'sentToSubgraphs',
] as const satisfies ReadonlyArray<keyof AuditRecord>;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' };

/** Records read from the database at a time: memory stays bounded however many the filter finds. */
const PAGE = 1_000;

function csvCell(value: AuditRecord[keyof AuditRecord]): string {
  const text = Array.isArray(value) ? value.join(' ') : value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface ExportOptions {
  format: ExportFormat;
  /** NDJSON with every stored field (`details`, `keyId`, ... : the operator's CLI); default only EXPORT_COLUMNS. */
  allFields?: boolean;
  /** After each page: the seq of its oldest record (the export goes newest first). */
  onPage?: (oldestSeq: number) => void;
}

/**
 * The records `filter` finds, newest first, as the lines of a CSV (RFC 4180: a header, CRLF line ends) or NDJSON
 * file, read a page at a time, with no limit on how many: what `audit export` writes and the auditor's console saves.
 */
export async function* exportLines(db: Queryable, filter: AuditFilter, options: ExportOptions): AsyncGenerator<string> {
  const csv = options.format === 'csv';
  if (csv) yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  let before: number | null = null;
  for (;;) {
    const page: AuditRecord[] = await findRecords(db, filter, PAGE, before);
    for (const record of page) {
      if (csv) yield `${EXPORT_COLUMNS.map((column) => csvCell(record[column])).join(',')}\r\n`;
      else yield `${JSON.stringify(options.allFields ? record : Object.fromEntries(EXPORT_COLUMNS.map((column) => [column, record[column] ?? null])))}\n`;
    }
    const oldest = page.at(-1)?.seq;
    if (oldest !== undefined) options.onPage?.(oldest);
    if (page.length < PAGE || oldest === undefined) return;
    before = oldest;
  }
}
