import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { AdminError } from './admin';

const ALGORITHM = 'ES256';

/**
 * Local signing keys, for development and small installations: the private key signs tokens issued by the CLI, the
 * JWKS beside it is what the gateway verifies with (JWKS_FILE). Production uses the identity provider's JWKS_URL.
 */
export async function initLocalKeys(jwksFile: string): Promise<{ created: boolean; privateFile: string }> {
  const privateFile = join(dirname(jwksFile), 'private.jwk.json');
  if (existsSync(privateFile) && existsSync(jwksFile)) return { created: false, privateFile };
  mkdirSync(dirname(jwksFile), { recursive: true });
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const kid = `once-${Date.now().toString(36)}`;
  writeFileSync(privateFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: ALGORITHM }), { mode: 0o600 });
  chmodSync(privateFile, 0o600);
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' }] }, null, 2));
  return { created: true, privateFile };
}

export interface TokenRequest {
  kind: 'client' | 'citizen';
  /** Client id, or the citizen's personal ID. */
  subject: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export async function issueToken(privateJwk: JWK, request: TokenRequest): Promise<string> {
  const key = await importJWK(privateJwk, ALGORITHM);
  return new SignJWT({ once_kind: request.kind })
    .setProtectedHeader({ alg: ALGORITHM, ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setSubject(request.subject)
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds}s`)
    .sign(key);
}

export function readPrivateKey(privateFile: string): JWK {
  if (!existsSync(privateFile)) throw new AdminError(`no local signing key at ${privateFile}: run \`npm run once -- jwt init\` first`);
  return JSON.parse(readFileSync(privateFile, 'utf8')) as JWK;
}
