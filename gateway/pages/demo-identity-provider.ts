import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Logger } from '../../platform';

/** A citizen the demo provider can sign in: stands in for the national identity provider's account. */
export interface DemoCitizen {
  personalId: string;
  fullName: string;
}

export interface DemoIdentityProviderOptions {
  citizens: readonly DemoCitizen[];
  /** The only client it serves (OIDC_CLIENT_ID). */
  clientId: string;
  /** Redirect URIs it sends codes to, read on each sign-in (so that the pages' server may start after it). */
  redirectUris: () => readonly string[];
  host: string;
  /** 0 picks a free port; the issuer URL says which. */
  port: number;
  log: Logger;
}

export interface RunningIdentityProvider {
  /** The issuer URL: OIDC_ISSUER for the gateway. */
  issuer: string;
  stop(): Promise<void>;
}

const ALGORITHM = 'ES256';
const CODE_TTL_MS = 60_000;
const ID_TOKEN_TTL_S = 3600;
const MAX_FORM_BYTES = 8192;

interface PendingCode {
  personalId: string;
  fullName: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  expires: number;
}

class ProviderError extends Error {
  constructor(
    readonly status: number,
    /** An OAuth 2.0 error code (RFC 6749 §5.2). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A minimal OpenID Connect provider for development (`npm start`, the browser tests): discovery, JWKS, the
 * authorization endpoint (a page that lists the demo citizens) and the token endpoint, for the authorization code
 * flow with PKCE (S256) only. Keys live in memory: restarting signs everyone out, as it should for a demo.
 */
export async function startDemoIdentityProvider(options: DemoIdentityProviderOptions): Promise<RunningIdentityProvider> {
  if (options.citizens.length === 0) throw new Error('the demo identity provider needs at least one citizen');
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM);
  const kid = `demo-${randomBytes(4).toString('hex')}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' }] };
  const codes = new Map<string, PendingCode>();
  let issuer = '';

  /** The parameters of an authorization request, checked as RFC 6749 §4.1.2.1 says: a bad client or redirect is never redirected to. */
  function authorizationRequest(params: URLSearchParams) {
    const redirectUri = params.get('redirect_uri') ?? '';
    if (params.get('client_id') !== options.clientId) throw new ProviderError(400, 'unauthorized_client', 'Unknown client_id');
    if (!options.redirectUris().includes(redirectUri)) throw new ProviderError(400, 'invalid_request', 'redirect_uri is not registered for this client');
    if (params.get('response_type') !== 'code') throw new ProviderError(400, 'unsupported_response_type', 'Only response_type=code is supported');
    if (params.get('code_challenge_method') !== 'S256' || !/^[\w-]{43}$/.test(params.get('code_challenge') ?? '')) {
      throw new ProviderError(400, 'invalid_request', 'PKCE is required: code_challenge (S256, 43 characters) and code_challenge_method=S256');
    }
    if (!(params.get('scope') ?? '').split(' ').includes('openid')) throw new ProviderError(400, 'invalid_scope', 'scope must include openid');
    return { redirectUri, codeChallenge: params.get('code_challenge') ?? '', state: params.get('state'), nonce: params.get('nonce') };
  }

  function signInPage(params: URLSearchParams): string {
    authorizationRequest(params);
    const hidden = [...params].map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
    const buttons = options.citizens
      .map(
        ({ personalId, fullName }) =>
          `<li><button type="submit" name="personal_id" value="${personalId}">${escapeHtml(fullName)} <span>(${personalId})</span></button></li>`,
      )
      .join('');
    return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập (nhà cung cấp định danh thử nghiệm)</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
ul{list-style:none;padding:0}button{font:inherit;width:100%;text-align:left;padding:.75rem;margin:.25rem 0;border:1px solid #555;border-radius:.4rem;background:#fff;color:#1a1a1a;cursor:pointer}
button:focus,button:hover{outline:3px solid #0b57d0;outline-offset:2px}span{color:#444}</style></head>
<body><main><h1>Đăng nhập bằng tài khoản định danh</h1><p>Nhà cung cấp định danh thử nghiệm của Once, thay cho hệ thống định danh quốc gia. Chọn công dân:</p>
<p lang="en">Once's demo identity provider, standing in for the national one. Choose a citizen:</p>
<form method="post" action="/authorize">${hidden}<ul>${buttons}</ul></form></main></body></html>`;
  }

  function grantCode(form: URLSearchParams): string {
    const request = authorizationRequest(form);
    const citizen = options.citizens.find(({ personalId }) => personalId === form.get('personal_id'));
    if (!citizen) throw new ProviderError(400, 'access_denied', 'No such demo citizen');
    const code = randomBytes(32).toString('base64url');
    const now = Date.now();
    for (const [key, pending] of codes) if (pending.expires < now) codes.delete(key);
    codes.set(code, { ...citizen, redirectUri: request.redirectUri, codeChallenge: request.codeChallenge, nonce: request.nonce, expires: now + CODE_TTL_MS });
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    if (request.state !== null) target.searchParams.set('state', request.state);
    return target.toString();
  }

  async function exchange(form: URLSearchParams): Promise<Record<string, unknown>> {
    if (form.get('grant_type') !== 'authorization_code')
      throw new ProviderError(400, 'unsupported_grant_type', 'Only grant_type=authorization_code is supported');
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // one use only, whatever the outcome (RFC 6749 §4.1.2)
    if (!pending || pending.expires < Date.now()) throw new ProviderError(400, 'invalid_grant', 'The code is unknown, used or expired');
    if (form.get('client_id') !== options.clientId || form.get('redirect_uri') !== pending.redirectUri)
      throw new ProviderError(400, 'invalid_grant', 'client_id or redirect_uri differ from the authorization request');
    const challenge = createHash('sha256')
      .update(form.get('code_verifier') ?? '')
      .digest('base64url');
    if (challenge !== pending.codeChallenge) throw new ProviderError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    const idToken = await new SignJWT({ name: pending.fullName, ...(pending.nonce ? { nonce: pending.nonce } : {}) })
      .setProtectedHeader({ alg: ALGORITHM, kid })
      .setIssuer(issuer)
      .setAudience(options.clientId)
      .setSubject(pending.personalId)
      .setIssuedAt()
      .setExpirationTime(`${ID_TOKEN_TTL_S}s`)
      .sign(privateKey);
    return { id_token: idToken, token_type: 'Bearer', access_token: randomBytes(24).toString('base64url'), expires_in: ID_TOKEN_TTL_S };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Discovery, keys and tokens are fetched by the pages' scripts from another origin.
    response.setHeader('access-control-allow-origin', '*');
    const route = `${String(request.method)} ${url.pathname}`;
    switch (route) {
      case 'GET /.well-known/openid-configuration':
        sendJson(response, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [ALGORITHM],
          code_challenge_methods_supported: ['S256'],
          scopes_supported: ['openid'],
          token_endpoint_auth_methods_supported: ['none'],
        });
        return;
      case 'GET /jwks':
        sendJson(response, 200, jwks);
        return;
      case 'GET /authorize':
        // form-action governs the redirect after the POST too: the registered clients' origins must be listed.
        response.setHeader(
          'content-security-policy',
          `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${[...new Set(options.redirectUris().map((uri) => new URL(uri).origin))].join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
        );
        response.setHeader('content-type', 'text/html; charset=utf-8');
        response.end(signInPage(url.searchParams));
        return;
      case 'POST /authorize':
        response.statusCode = 303;
        response.setHeader('location', grantCode(await readForm(request)));
        response.end();
        return;
      case 'OPTIONS /token':
        response.setHeader('access-control-allow-methods', 'POST');
        response.setHeader('access-control-allow-headers', 'content-type');
        response.statusCode = 204;
        response.end();
        return;
      case 'POST /token':
        response.setHeader('cache-control', 'no-store');
        sendJson(response, 200, await exchange(await readForm(request)));
        return;
      default:
        throw new ProviderError(404, 'invalid_request', `No route ${route}`);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!(error instanceof ProviderError)) options.log.error({ err: error }, 'demo identity provider failed');
      const refusal = error instanceof ProviderError ? error : new ProviderError(500, 'server_error', 'Internal error');
      sendJson(response, refusal.status, { error: refusal.code, error_description: refusal.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuer = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? ''))
    throw new ProviderError(400, 'invalid_request', 'Send the form as application/x-www-form-urlencoded');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new ProviderError(413, 'invalid_request', `Form is larger than ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
