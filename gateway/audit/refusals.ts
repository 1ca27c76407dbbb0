import type { AuditOutcome, AuditWriter } from '../../subgraphs/audit';
import { ErrorCode, type HttpError, type RequestInfo, type Logger } from '../../platform';
import { AuthenticationError, type Authenticate } from '../access/authenticate';
import type { Principal, Purpose } from '../access/principal';
import { readPurpose } from '../access/purpose';
import type { AccessStore } from '../access/store';
import { newTrail, type GatewayContext } from '../context';
import { auditEntry } from './entry';

/** The outcome a refusal is recorded with: the caller's fault (INVALID), no valid credentials, the server's failure, or a refusal. */
function outcomeOf(code: ErrorCode): AuditOutcome {
  switch (code) {
    case ErrorCode.Unauthenticated:
      return 'UNAUTHENTICATED';
    case ErrorCode.BadRequest:
    case ErrorCode.PayloadTooLarge:
      return 'INVALID';
    case ErrorCode.InternalServerError:
      return 'FAILED';
    default:
      return 'REJECTED';
  }
}

/**
 * Records every request the gateway answers without executing it (the http server's `onRefused`): an unknown path, a
 * body too large or not JSON, a batch, overload, bad credentials or purpose, a rate limit. Made before the refusal is
 * sent, so that probing (is this key valid? does a batch get through?) leaves the same trace as a query.
 */
export function createRefusalRecorder(options: { authenticate: Authenticate; store: AccessStore; writer: AuditWriter; log: Logger }) {
  /**
   * Who the caller is, as far as its credentials say: refused before a context existed, the request is
   * authenticated again here only to name it. Genuine credentials of a disabled client or a revoked key name
   * the client and key; anything else (forged, unknown, or the store unreachable) is anonymous.
   */
  async function identify(request: RequestInfo): Promise<GatewayContext> {
    let principal: Principal = { kind: 'anonymous' };
    let purpose: Purpose | null = null;
    try {
      principal = await options.authenticate(request.headers);
      purpose = await readPurpose(request.headers, principal, options.store);
    } catch (error) {
      if (error instanceof AuthenticationError && error.claimant) principal = error.claimant;
    }
    return { requestId: request.requestId, clientRequestId: request.clientRequestId, principal, purpose, trail: newTrail() };
  }

  return async (request: RequestInfo, refusal: HttpError, context: GatewayContext | null): Promise<void> => {
    const known = context ?? (await identify(request));
    await options.writer.append(auditEntry(known, outcomeOf(refusal.code), { errorCodes: [refusal.code] }));
  };
}
