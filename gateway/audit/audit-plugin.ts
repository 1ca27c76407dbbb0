import type { ApolloServerPlugin } from '@apollo/server';
import type { AuditOutcome, AuditWriter } from '../../subgraphs/audit';
import { ErrorCode, errorCodeOf, RETRY_AFTER_S, type Logger } from '../../platform';
import { subjectsInDocument } from '../access/policy';
import type { GatewayContext } from '../context';
import { auditEntry } from './entry';

/** Errors that mean the request itself was wrong, not that reading failed. */
const INVALID_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  ErrorCode.CostLimitExceeded,
  ErrorCode.ResponseTooLarge,
]);

function outcomeOf(hasData: boolean, errorCodes: readonly string[]): AuditOutcome {
  if (errorCodes.length === 0) return 'OK';
  if (errorCodes.includes(ErrorCode.Forbidden)) return 'DENIED';
  if (errorCodes.every((code) => INVALID_REQUEST_CODES.has(code))) return 'INVALID';
  return hasData ? 'PARTIAL' : 'FAILED';
}

function hasAnyData(data: unknown): boolean {
  return typeof data === 'object' && data !== null && Object.values(data).some((value) => value !== null);
}

/** The audit outcome of an executed operation's response (also what the access log and metrics say of it). */
export function responseOutcome(data: unknown, errorCodes: readonly string[]): AuditOutcome {
  return outcomeOf(hasAnyData(data), errorCodes);
}

/**
 * Writes one audit record per operation, denied and failed ones included, and holds the response until the record
 * is committed. When the log cannot take the record, the response is replaced: no data leaves unrecorded.
 */
export function createAuditPlugin(options: { writer: AuditWriter; log: Logger }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          const { response } = requestContext;
          if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported by the audit plugin');
          const result = response.body.singleResult;
          const { contextValue, document, operation, request } = requestContext;
          // The policy check notes whom an operation is about; this covers one refused before it (validation, limits).
          if (document)
            for (const subject of subjectsInDocument(document, operation ?? null, request.variables ?? {})) contextValue.trail.subjects.add(subject);
          const errorCodes = (result.errors ?? []).map(errorCodeOf);
          const entry = auditEntry(contextValue, responseOutcome(result.data, errorCodes), {
            operationName: requestContext.operationName ?? request.operationName ?? null,
            // Apollo Server types queryHash as set here, but a request refused before its source is resolved (an
            // unknown persisted query, an empty body) reaches willSendResponse without one.
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
            operationHash: requestContext.queryHash ?? null,
            errorCodes,
          });
          try {
            await options.writer.append(entry);
          } catch (error) {
            options.log.error({ err: error, requestId: entry.requestId }, 'response withheld: audit record not committed');
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_S));
            response.body = {
              kind: 'single',
              singleResult: {
                errors: [
                  {
                    message: 'The audit log cannot record this request, so no data is returned; retry later',
                    extensions: { code: ErrorCode.AuditUnavailable },
                  },
                ],
              },
            };
          }
        },
      };
    },
  };
}
