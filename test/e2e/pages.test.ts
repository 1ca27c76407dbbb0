import { createHash, randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdentityProvider, type RunningIdentityProvider } from '../../gateway';
import { openTestDatabase, silentLog } from '../helpers/database';
import { startTestStack, type TestStack } from '../helpers/stack';

const CLIENT_ID = 'once-citizen-pages';
const HISTORY = '{ myAccessHistory(first: 1) { events { recordSeq } } }';

let stack: TestStack;
let provider: RunningIdentityProvider;
let origin = '';
let redirectUri = '';
let person = '';

beforeAll(async () => {
  const db = openTestDatabase();
  const [row] = await db.query<{ personalId: string; fullName: string }>(
    'SELECT personal_id AS "personalId", full_name AS "fullName" FROM population.citizens ORDER BY 1 OFFSET 31 LIMIT 1',
  );
  await db.close();
  if (!row) throw new Error('no seeded citizen');
  person = row.personalId;
  provider = await startDemoIdentityProvider({
    citizens: [row],
    clientId: CLIENT_ID,
    redirectUris: () => [redirectUri],
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
  });
  stack = await startTestStack({ OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: CLIENT_ID });
  origin = new URL(stack.gatewayUrl).origin;
  redirectUri = `${origin}/citizen/`;
});
afterAll(async () => {
  await stack?.stop();
  await provider?.stop();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
  redirect: 'manual' as const,
});

/** The sign-in a browser makes: authorization request (the citizen picks themselves), then the code for tokens. */
async function authorize(overrides: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const request = {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 's1',
    nonce: 'n1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    personal_id: person,
    ...overrides,
  };
  const response = await fetch(`${provider.issuer}/authorize`, form(request));
  const location = response.headers.get('location');
  return { verifier, response, code: location ? new URL(location).searchParams.get('code') : null };
}

function exchange(code: string, verifier: string, overrides: Record<string, string> = {}) {
  return fetch(
    `${provider.issuer}/token`,
    form({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: CLIENT_ID, code_verifier: verifier, ...overrides }),
  );
}

describe('citizen sign-in with OpenID Connect (authorization code and PKCE)', () => {
  it("signs the citizen in at the gateway with the provider's ID token, its subject the personal ID", async () => {
    const { verifier, response, code } = await authorize();
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${redirectUri}\\?code=[\\w-]{43}&state=s1$`));
    const tokens = (await (await exchange(code ?? '', verifier)).json()) as { id_token: string };
    const history = await stack.graphql(HISTORY, {}, { authorization: `Bearer ${tokens.id_token}` });
    expect(history.errors).toBeUndefined();
    const records = await stack.db.query<{ outcome: string }>(
      "SELECT outcome FROM audit.records WHERE principal = 'citizen:' || $1 AND 'Query.myAccessHistory' = ANY(coordinates)",
      [person],
    );
    expect(records).toEqual([{ outcome: 'OK' }]);
  });

  it('refuses an unregistered redirect, a missing PKCE challenge, another client and an unknown citizen, redirecting nowhere', async () => {
    for (const [overrides, error] of [
      [{ redirect_uri: 'https://attacker.example/cb' }, 'invalid_request'],
      [{ code_challenge: '' }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ client_id: 'someone-else' }, 'unauthorized_client'],
      [{ scope: 'profile' }, 'invalid_scope'],
      [{ personal_id: '001099999999' }, 'access_denied'],
    ] as const) {
      const { response } = await authorize(overrides);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(((await response.json()) as { error: string }).error).toBe(error);
    }
  });

  it('gives tokens only for the right verifier, once per code', async () => {
    const first = await authorize();
    const wrong = await exchange(first.code ?? '', randomBytes(32).toString('base64url'));
    expect(await wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge' });
    // The failed attempt used the code up.
    expect(((await (await exchange(first.code ?? '', first.verifier)).json()) as { error: string }).error).toBe('invalid_grant');
    const second = await authorize();
    expect((await exchange(second.code ?? '', second.verifier)).status).toBe(200);
    expect(await (await exchange(second.code ?? '', second.verifier)).json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The code is unknown, used or expired',
    });
  });

  it("refuses, as UNAUTHENTICATED, a token in the provider's name signed by another key, or for another audience", async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forge = (audience: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
        .setIssuer(provider.issuer)
        .setAudience(audience)
        .setSubject(person)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    for (const token of [await forge(CLIENT_ID), await forge('another-client'), 'not-a-jwt']) {
      const response = await stack.graphql(HISTORY, {}, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.errors?.[0]?.message).toMatch(/^Bearer token rejected: /);
      expect(JSON.stringify(response.errors)).not.toContain(provider.issuer);
    }
  });
});

describe('the pages served by the gateway', () => {
  it('serves the index, the tracker, the console and their files with a strict Content-Security-Policy', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/citizen/', 'text/html'],
      ['/auditor/', 'text/html'],
      ['/citizen/app.js', 'text/javascript'],
      ['/assets/style.css', 'text/css'],
      ['/favicon.svg', 'image/svg+xml'],
      ['/graphiql/', 'text/html'],
    ] as const) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')?.startsWith(type)).toBe(true);
      expect(response.headers.get('content-security-policy')).toBe(
        `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self' data:; connect-src 'self' ${provider.issuer}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(await (await fetch(`${origin}/pages/config.json`)).json()).toEqual({ oidc: { issuer: provider.issuer, clientId: CLIENT_ID } });
  });

  it('answers traversal, hidden files, other methods and unknown paths with the 404 of the API, showing no file', async () => {
    for (const [method, path] of [
      ['GET', '/assets/..%2f..%2fpackage.json'],
      ['GET', '/..%2fpackage.json'],
      ['GET', '/%2e%2e/%2e%2e/package.json'],
      ['GET', '/.gitignore'],
      ['GET', '/assets/%E0%A4%A'],
      ['GET', '/citizen/app.ts'],
      ['GET', '/nothing-here.html'],
      ['GET', '/citizen/%00.html'],
      ['POST', '/citizen/'],
      ['DELETE', '/'],
    ] as const) {
      const response = await fetch(`${origin}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
      expect(JSON.stringify(body)).not.toMatch(/"name": "once"|test-artifacts|node_modules/);
    }
  });
});
