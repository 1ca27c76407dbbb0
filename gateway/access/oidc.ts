import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/** An OpenID Connect provider whose ID tokens sign citizens in: where its keys are is found by discovery. */
export interface OidcProvider {
  issuer: string;
  /** The `aud` of ID tokens issued to Once's pages. */
  clientId: string;
}

const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * The provider's signing keys, from `jwks_uri` in its discovery document, fetched on first use (the provider may
 * start after the gateway) and again after a failed fetch; jose caches and refreshes the key set itself.
 */
export function discoveredKeys(issuer: string): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | null = null;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const response = await fetch(new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`), {
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`OpenID discovery at ${issuer} answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
    if (document.issuer !== issuer || typeof document.jwks_uri !== 'string')
      throw new Error(`OpenID discovery at ${issuer} names another issuer or no jwks_uri`);
    return createRemoteJWKSet(new URL(document.jwks_uri));
  };
  return async (header, token) => {
    keys ??= discover().catch((error: unknown) => {
      keys = null;
      throw error;
    });
    return (await keys)(header, token);
  };
}
