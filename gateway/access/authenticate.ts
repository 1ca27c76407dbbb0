import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ErrorCode, HttpError, personalIdProblems } from '../../platform';
import { parseApiKey, secretMatches } from './credentials';
import type { OidcProvider } from './oidc';
import type { Principal } from './principal';
import type { AccessStore } from './store';

export interface AuthenticatorOptions {
  store: AccessStore;
  /** Keys that JWTs are verified with; null: JWTs are refused (API keys only). */
  keys: JWTVerifyGetKey | null;
  issuer: string;
  audience: string;
  /** The citizens' OpenID Connect provider: its ID tokens (`iss` = its issuer) sign a citizen in; null: none. */
  oidc?: (OidcProvider & { keys: JWTVerifyGetKey }) | null;
}

export type Authenticate = (headers: IncomingHttpHeaders) => Promise<Principal>;

/** A JWKS from a file or a URL, as configured; null when neither is. */
export function loadJwks(source: { file?: string | undefined; url?: string | undefined }): JWTVerifyGetKey | null {
  if (source.url) return createRemoteJWKSet(new URL(source.url));
  if (source.file) return createLocalJWKSet(JSON.parse(readFileSync(source.file, 'utf8')) as JSONWebKeySet);
  return null;
}

/**
 * A refused authentication. `claimant` is set when the credentials were genuine but the client may no longer use
 * them (disabled client, revoked key): the audit record then names who tried, where a forged key names nobody.
 */
export class AuthenticationError extends HttpError {
  constructor(
    message: string,
    readonly claimant: Extract<Principal, { kind: 'client' }> | null = null,
  ) {
    super(401, ErrorCode.Unauthenticated, message);
  }
}

function unauthenticated(message: string, claimant: AuthenticationError['claimant'] = null): AuthenticationError {
  return new AuthenticationError(message, claimant);
}

/**
 * Who is asking: a client with a JWT (`once_kind: "client"`, `sub` = client id) or an API key, or a citizen with a
 * JWT (`once_kind: "citizen"`, `sub` = their personal ID) or an ID token of the OpenID Connect provider (`sub` = their
 * personal ID). Anything else is refused with the reason.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  async function clientPrincipal(clientId: string, keyId?: string): Promise<Principal> {
    const client = await options.store.client(clientId);
    if (!client) throw unauthenticated(`Unknown client "${clientId}"`);
    const principal = { kind: 'client' as const, client, ...(keyId === undefined ? {} : { keyId }) };
    if (client.disabled) throw unauthenticated(`Client "${clientId}" is disabled`, principal);
    return principal;
  }

  async function fromApiKey(value: string): Promise<Principal> {
    const parsed = parseApiKey(value);
    if (!parsed) throw unauthenticated('API key is malformed: expected once_<key id>_<secret>');
    const key = await options.store.apiKey(parsed.keyId);
    if (!key || !secretMatches(parsed.secret, key.secretSha256)) throw unauthenticated('API key is not valid');
    if (key.revoked) {
      const client = await options.store.client(key.clientId);
      throw unauthenticated(`API key ${key.keyId} has been revoked`, client ? { kind: 'client', client, keyId: key.keyId } : null);
    }
    return clientPrincipal(key.clientId, key.keyId);
  }

  /** Why jose refused a token, in words a client can act on (nothing of the keys or the provider's address). */
  function rejected(error: unknown): AuthenticationError {
    const reason = error instanceof joseErrors.JWTExpired ? 'it has expired' : error instanceof joseErrors.JOSEError ? error.message : 'it cannot be read';
    return unauthenticated(`Bearer token rejected: ${reason}`);
  }

  function citizenPrincipal(subject: string): Principal {
    const [problem] = personalIdProblems(subject);
    if (problem) throw unauthenticated(`Citizen token subject is not a valid personal ID: ${problem}`);
    return { kind: 'citizen', personalId: subject };
  }

  /** An ID token of the citizens' identity provider: its subject is the personal ID. */
  async function fromIdToken(token: string, oidc: NonNullable<AuthenticatorOptions['oidc']>): Promise<Principal> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, oidc.keys, { issuer: oidc.issuer, audience: oidc.clientId, requiredClaims: ['exp', 'sub'] }));
    } catch (error) {
      throw rejected(error);
    }
    return citizenPrincipal(payload.sub ?? '');
  }

  function issuerOf(token: string): unknown {
    try {
      return decodeJwt(token).iss;
    } catch {
      return undefined;
    }
  }

  async function fromJwt(token: string): Promise<Principal> {
    if (options.oidc && issuerOf(token) === options.oidc.issuer) return fromIdToken(token, options.oidc);
    if (!options.keys) throw unauthenticated('Bearer tokens are not accepted: no JWKS_FILE or JWKS_URL is configured');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, options.keys, { issuer: options.issuer, audience: options.audience, requiredClaims: ['exp', 'sub'] }));
    } catch (error) {
      throw rejected(error);
    }
    const subject = payload.sub ?? '';
    switch (payload.once_kind) {
      case 'client':
        return clientPrincipal(subject);
      case 'citizen':
        return citizenPrincipal(subject);
      default:
        throw unauthenticated('Bearer token rejected: claim once_kind must be "client" or "citizen"');
    }
  }

  return async (headers) => {
    const authorization = headers.authorization;
    const apiKey = headers['x-api-key'];
    if (typeof apiKey === 'string') return fromApiKey(apiKey);
    if (!authorization) throw unauthenticated('No credentials: send Authorization: Bearer <JWT>, Authorization: ApiKey <key> or X-Api-Key');
    const [scheme, value] = authorization.split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return fromJwt(value);
    if (scheme?.toLowerCase() === 'apikey' && value) return fromApiKey(value);
    throw unauthenticated('Authorization must be "Bearer <JWT>" or "ApiKey <key>"');
  };
}
