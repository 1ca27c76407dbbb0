import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OidcProvider } from '../access/oidc';

/** The pages' files: plain HTML, CSS and ES modules, served as they are (no build step, nothing from a CDN). */
export const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));

export interface PagesOptions {
  /** Folder the pages are served from. */
  webDir: string;
  /** The citizens' identity provider, told to the tracker page; null: the page says sign-in is not configured. */
  oidc: OidcProvider | null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The config the pages' scripts fetch: where citizens sign in. */
const CONFIG_PATH = '/pages/config.json';

/**
 * GET routes for the pages: `/` (an index), `/citizen/` (the data tracker), `/auditor/` (the console) and their
 * files. Every answer carries a strict Content-Security-Policy: scripts and styles from this origin only, requests
 * to this origin and the identity provider only, no framing. Anything else is not its route (404 as before).
 */
export function createPagesRoutes(options: PagesOptions): (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean> {
  const root = resolve(options.webDir);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`pages: ${root} has no index.html`);
  const provider = options.oidc ? new URL(options.oidc.issuer).origin : '';
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    // GraphiQL's stylesheet carries its fonts as data: URLs.
    "font-src 'self' data:",
    `connect-src 'self' ${provider}`.trim(),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const config = JSON.stringify({ oidc: options.oidc });

  function send(response: ServerResponse, type: string, body: string | Buffer): true {
    response.statusCode = 200;
    response.setHeader('content-type', type);
    response.setHeader('content-security-policy', policy);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('referrer-policy', 'no-referrer');
    response.setHeader('cache-control', 'no-cache');
    response.end(body);
    return true;
  }

  /** The file a path names inside the web folder, or null (traversal, hidden files, types it does not serve). */
  function fileOf(pathname: string): string | null {
    let path: string;
    try {
      path = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (path.includes('\0') || path.split('/').some((part) => part.startsWith('.'))) return null;
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    return file.startsWith(root + sep) && TYPES[extname(file)] ? file : null;
  }

  return async (request, response, url) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (url.pathname === CONFIG_PATH) return send(response, 'application/json; charset=utf-8', config);
    const file = fileOf(url.pathname);
    if (!file) return false;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    return send(response, TYPES[extname(file)] ?? 'application/octet-stream', body);
  };
}
