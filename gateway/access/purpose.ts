import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, HttpError } from '../../platform';
import type { Principal, Purpose } from './principal';
import type { AccessStore } from './store';

/** The headers a client names its officer, purpose and case with. */
export const PURPOSE_HEADERS = { officer: 'x-once-officer', code: 'x-once-purpose', caseNumber: 'x-once-case' } as const;

const TOKEN = /^[\p{L}\p{N}._:@/-]{1,64}$/u;

/**
 * Every client request says who acts (the officer), for which procedure and in which case or dossier. A citizen
 * reading their own data needs none of it. Missing or unknown: refused before anything is read.
 */
export async function readPurpose(headers: IncomingHttpHeaders, principal: Principal, store: AccessStore): Promise<Purpose | null> {
  if (principal.kind !== 'client') return null;
  const values = Object.fromEntries(Object.entries(PURPOSE_HEADERS).map(([key, header]) => [key, headers[header]])) as Record<keyof Purpose, unknown>;
  const missing = (Object.keys(PURPOSE_HEADERS) as Array<keyof Purpose>).filter((key) => typeof values[key] !== 'string' || !TOKEN.test(values[key]));
  if (missing.length > 0) {
    throw new HttpError(
      400,
      ErrorCode.PurposeRequired,
      `Missing or malformed ${missing.map((key) => PURPOSE_HEADERS[key]).join(', ')}: every request names the acting officer, the procedure code and the case number (1-64 letters, digits or ._:@/-)`,
    );
  }
  const purpose = values as unknown as Purpose;
  if (!(await store.purposeExists(purpose.code))) {
    throw new HttpError(400, ErrorCode.UnknownPurpose, `${PURPOSE_HEADERS.code} "${purpose.code}" is not a procedure of the catalogue nor an internal purpose`);
  }
  return purpose;
}
