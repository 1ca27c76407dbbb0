import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AUDIT_OUTCOMES,
  EXPORT_COLUMNS,
  EXPORT_CONTENT_TYPES,
  EXPORT_FORMATS,
  exportLines,
  type AuditFilter,
  type AuditOutcome,
  type AuditWriter,
  type ExportFormat,
} from '../../subgraphs/audit';
import { ErrorCode, HttpError, personalIdProblems, RETRY_AFTER_S, sendError, type Logger, type Queryable, type RequestInfo } from '../../platform';
import { DateTimeScalar } from '../../subgraphs/kit';
import type { AccessStore } from '../access/store';
import type { GatewayContext } from '../context';
import { auditEntry } from './entry';

/** Where the auditor's console downloads an export: `GET /audit/export?format=csv&subject=...`. */
export const AUDIT_EXPORT_PATH = '/audit/export';
/** The operation name the export's audit records carry. */
const OPERATION = 'auditExport';
/** What an export reads, as the coordinates of `auditRecords`: a client must be granted them all for its purpose. */
const COORDINATES = ['Query.auditRecords', ...EXPORT_COLUMNS.map((column) => `AuditRecord.${column}`)];
/** Longest value of a text filter; the API's own limits are of the same order. */
const MAX_FILTER = 256;

/** A query parameter the export cannot take, named (`argument`) as a GraphQL argument would be. */
class ExportInputError extends Error {
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
  }
}

/** The format and the filter the query string asks for (the names of `AuditFilter`), or an ExportInputError. */
function exportRequest(params: URLSearchParams): { format: ExportFormat; filter: AuditFilter } {
  const filter: AuditFilter = {};
  let format: ExportFormat | null = null;
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) throw new ExportInputError(`${name} is given twice`, name);
    seen.add(name);
    if (value.length > MAX_FILTER) throw new ExportInputError(`${name} is longer than ${MAX_FILTER} characters`, name);
    switch (name) {
      case 'format':
        if (!(EXPORT_FORMATS as readonly string[]).includes(value))
          throw new ExportInputError(`format must be ${EXPORT_FORMATS.join(' or ')}; got "${value.slice(0, 40)}"`, name);
        format = value as ExportFormat;
        break;
      case 'subject': {
        const [problem] = personalIdProblems(value);
        if (problem) throw new ExportInputError(`subject must be a personal ID: ${problem}`, name);
        filter.subject = value;
        break;
      }
      case 'clientId':
      case 'officer':
      case 'purpose':
        filter[name] = value;
        break;
      case 'outcome':
        if (!(AUDIT_OUTCOMES as readonly string[]).includes(value))
          throw new ExportInputError(`outcome must be one of ${AUDIT_OUTCOMES.join(', ')}; got "${value.slice(0, 40)}"`, name);
        filter.outcome = value as AuditOutcome;
        break;
      case 'from':
      case 'to':
        try {
          filter[name] = DateTimeScalar.parseValue(value);
        } catch {
          throw new ExportInputError(`${name} must be an ISO 8601 timestamp such as 2026-11-01T00:00:00Z; got "${value.slice(0, 40)}"`, name);
        }
        break;
      default:
        throw new ExportInputError(
          `${name.slice(0, 40)} is not a filter of the export (format, subject, clientId, officer, purpose, outcome, from, to)`,
          name.slice(0, 40),
        );
    }
  }
  if (!format) throw new ExportInputError(`format is required: ${EXPORT_FORMATS.join(' or ')}`, 'format');
  if (filter.from && filter.to && filter.from >= filter.to)
    throw new ExportInputError(`to must be later than from; got from ${filter.from}, to ${filter.to}`, 'to');
  return { format, filter };
}

/** Until the client has taken what was written, or gone away. */
async function drained(response: ServerResponse): Promise<void> {
  const waiting = new AbortController();
  try {
    await Promise.race([once(response, 'drain', { signal: waiting.signal }), once(response, 'close', { signal: waiting.signal })]);
  } finally {
    waiting.abort();
  }
}

export interface AuditExportOptions {
  /** Who asks and why, as for a GraphQL request: credentials, rate limit, officer, purpose and case. */
  authorise: (info: RequestInfo) => Promise<GatewayContext>;
  store: AccessStore;
  writer: AuditWriter;
  /** The audit database the records are read from. */
  db: Queryable;
  log: Logger;
}

/**
 * The auditors' export as a stream: every record the filter finds, newest first, as CSV or NDJSON, with no limit and
 * in bounded memory. Authenticated, authorised and audited as `auditRecords` is: the client's grants for the purpose
 * it names must hold every column, and the export's own record (subject included) is committed before the first
 * line leaves. Refusals before a caller is known (credentials, purpose) are recorded by the server's `onRefused`.
 */
export function createAuditExportRoute(options: AuditExportOptions) {
  return async (request: IncomingMessage, response: ServerResponse, info: RequestInfo, url: URL): Promise<void> => {
    if (request.method !== 'GET') throw new HttpError(405, ErrorCode.BadRequest, `${AUDIT_EXPORT_PATH} answers GET only`, { allow: 'GET' });
    const context = await options.authorise(info);
    context.trail.coordinates = COORDINATES;
    const { principal, purpose } = context;
    // Whatever the outcome, nothing is answered until the export's own record is committed.
    const record = async (outcome: AuditOutcome, errorCodes: string[] = []) => {
      try {
        await options.writer.append(auditEntry(context, outcome, { operationName: OPERATION, errorCodes }));
      } catch (error) {
        options.log.error({ err: error, requestId: info.requestId, outcome }, 'export withheld: audit record not committed');
        throw new HttpError(503, ErrorCode.AuditUnavailable, 'The audit log cannot record this export, so nothing is exported; retry later', {
          'retry-after': String(RETRY_AFTER_S),
        });
      }
    };

    let asked: ReturnType<typeof exportRequest>;
    try {
      asked = exportRequest(url.searchParams);
    } catch (error) {
      if (!(error instanceof ExportInputError)) throw error;
      await record('INVALID', [ErrorCode.BadUserInput]);
      sendError(response, 400, ErrorCode.BadUserInput, error.message, { argument: error.argument });
      return;
    }
    // Exporting a citizen's records is a read about them: it shows in their own access history.
    if (asked.filter.subject) context.trail.subjects.add(asked.filter.subject);
    const grants = principal.kind === 'client' && purpose ? await options.store.grantsFor(principal.client.clientId, purpose.code) : new Set<string>();
    const denied = COORDINATES.filter((coordinate) => !grants.has(coordinate));
    if (denied.length > 0) {
      await record('DENIED', [ErrorCode.Forbidden]);
      sendError(response, 403, ErrorCode.Forbidden, `Not granted for purpose ${purpose?.code ?? '(none)'}: ${denied.join(', ')}`);
      return;
    }
    await record('OK');

    response.statusCode = 200;
    response.setHeader('content-type', EXPORT_CONTENT_TYPES[asked.format]);
    response.setHeader('content-disposition', `attachment; filename="audit-records.${asked.format}"`);
    response.setHeader('cache-control', 'no-store');
    response.setHeader('x-content-type-options', 'nosniff');
    try {
      for await (const line of exportLines(options.db, asked.filter, { format: asked.format })) {
        if (!response.write(line)) await drained(response);
        if (response.destroyed) return;
      }
      response.end();
    } catch (error) {
      // A file cut short must not look complete: the connection is broken off rather than the body ended.
      options.log.error({ err: error, requestId: info.requestId }, 'audit export broken off');
      response.destroy(error as Error);
    }
  };
}
