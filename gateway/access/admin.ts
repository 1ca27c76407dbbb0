import { createHash } from 'node:crypto';
import { parse } from 'graphql';
import type { Database, Queryable } from '../../subgraphs/common/database';
import { generateApiKey } from './credentials';
import type { ClientRole } from './principal';

/** Changes to clients, keys and grants, for the CLI and first-run setup. Each names what it refused and why. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

const COORDINATE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
const ROLES: readonly ClientRole[] = ['PORTAL', 'AGENCY', 'AUDITOR', 'ADMIN'];

export async function createClient(
  db: Queryable,
  client: { clientId: string; name: string; role: string; mayIntrospect?: boolean; trustedDocumentsOnly?: boolean; rateLimitPerMinute?: number | null },
): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(client.clientId)) throw new AdminError(`client id "${client.clientId}" must be 2-63 lowercase letters, digits or dashes`);
  if (!ROLES.includes(client.role as ClientRole)) throw new AdminError(`role must be one of ${ROLES.join(', ')}; got "${client.role}"`);
  const rate = client.rateLimitPerMinute ?? null;
  if (rate !== null && !(Number.isInteger(rate) && rate >= 0)) throw new AdminError(`rate limit must be a whole number of requests per minute (0: none); got "${rate}"`);
  const inserted = await db.query(
    `INSERT INTO access.clients (client_id, name, role, may_introspect, trusted_documents_only, rate_limit_per_minute) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (client_id) DO NOTHING RETURNING client_id`,
    [client.clientId, client.name, client.role, client.mayIntrospect ?? false, client.trustedDocumentsOnly ?? false, rate],
  );
  if (inserted.length === 0) throw new AdminError(`client "${client.clientId}" already exists`);
}

export async function disableClient(db: Queryable, clientId: string): Promise<void> {
  const rows = await db.query('UPDATE access.clients SET disabled_at = now() WHERE client_id = $1 RETURNING client_id', [clientId]);
  if (rows.length === 0) throw new AdminError(`no client "${clientId}"`);
}

export function listClients(db: Queryable) {
  return db.query<{ clientId: string; name: string; role: string; mayIntrospect: boolean; disabled: boolean; keys: number }>(
    `SELECT c.client_id AS "clientId", c.name, c.role, c.may_introspect AS "mayIntrospect", c.disabled_at IS NOT NULL AS disabled,
            (SELECT count(*)::int FROM access.api_keys k WHERE k.client_id = c.client_id AND k.revoked_at IS NULL) AS keys
       FROM access.clients c ORDER BY c.client_id`,
  );
}

/** A new API key for the client; the returned key is the only time its secret is seen. */
export async function issueApiKey(db: Queryable, clientId: string): Promise<{ keyId: string; apiKey: string }> {
  const key = generateApiKey();
  const rows = await db.query(
    `INSERT INTO access.api_keys (key_id, client_id, secret_sha256) SELECT $1, client_id, $3 FROM access.clients WHERE client_id = $2 RETURNING key_id`,
    [key.keyId, clientId, key.secretSha256],
  );
  if (rows.length === 0) throw new AdminError(`no client "${clientId}"`);
  return { keyId: key.keyId, apiKey: key.apiKey };
}

export async function revokeApiKey(db: Queryable, keyId: string): Promise<void> {
  const rows = await db.query('UPDATE access.api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id', [keyId]);
  if (rows.length === 0) throw new AdminError(`no active API key "${keyId}"`);
}

/** Lets the client read `coordinates` for `purpose`, recording the legal basis. Idempotent. */
export async function grant(db: Queryable, request: { clientId: string; purpose: string; coordinates: readonly string[]; legalBasis: string }): Promise<void> {
  const bad = request.coordinates.filter((coordinate) => !COORDINATE.test(coordinate));
  if (bad.length > 0) throw new AdminError(`not schema coordinates (Type.field): ${bad.join(', ')}`);
  if (request.coordinates.length === 0) throw new AdminError('name at least one coordinate to grant');
  if (!request.legalBasis.trim()) throw new AdminError('a grant needs its legal basis');
  const [known] = await db.query<{ client: boolean; purpose: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM access.clients WHERE client_id = $1) AS client, EXISTS (SELECT 1 FROM access.purposes WHERE code = $2) AS purpose`,
    [request.clientId, request.purpose],
  );
  if (!known?.client) throw new AdminError(`no client "${request.clientId}"`);
  if (!known.purpose) throw new AdminError(`no purpose "${request.purpose}" in access.purposes`);
  await db.query(
    `INSERT INTO access.grants (client_id, purpose, coordinate, legal_basis) SELECT $1, $2, unnest($3::text[]), $4
       ON CONFLICT (client_id, purpose, coordinate) DO UPDATE SET legal_basis = EXCLUDED.legal_basis`,
    [request.clientId, request.purpose, request.coordinates, request.legalBasis],
  );
}

/** Withdraws grants: the named coordinates, or all of the client's grants for the purpose. */
export async function revokeGrants(db: Queryable, request: { clientId: string; purpose: string; coordinates?: readonly string[] }): Promise<number> {
  const rows = await db.query(
    `DELETE FROM access.grants WHERE client_id = $1 AND purpose = $2 AND ($3::text[] IS NULL OR coordinate = ANY($3)) RETURNING coordinate`,
    [request.clientId, request.purpose, request.coordinates ?? null],
  );
  return rows.length;
}

export function listGrants(db: Queryable, clientId: string) {
  return db.query<{ purpose: string; coordinate: string; legalBasis: string }>(
    `SELECT purpose, coordinate, legal_basis AS "legalBasis" FROM access.grants WHERE client_id = $1 ORDER BY purpose, coordinate`,
    [clientId],
  );
}

/**
 * Registers operation documents for a client (trusted documents), each by the SHA-256 of its exact text: the hash
 * a portal then sends as `extensions.persistedQuery.sha256Hash`. A document that does not parse is refused.
 */
export async function addTrustedDocuments(db: Queryable, clientId: string, documents: readonly string[]): Promise<string[]> {
  const hashes: string[] = [];
  for (const document of documents) {
    try {
      parse(document);
    } catch (error) {
      throw new AdminError(`not a GraphQL document: ${(error as Error).message}`);
    }
    const sha256 = createHash('sha256').update(document).digest('hex');
    const rows = await db.query(
      `INSERT INTO access.trusted_documents (client_id, sha256, document) SELECT client_id, $2, $3 FROM access.clients WHERE client_id = $1
         ON CONFLICT (client_id, sha256) DO NOTHING RETURNING sha256`,
      [clientId, sha256, document],
    );
    if (rows.length === 0 && (await db.query('SELECT 1 FROM access.clients WHERE client_id = $1', [clientId])).length === 0) throw new AdminError(`no client "${clientId}"`);
    hashes.push(sha256);
  }
  return hashes;
}

/**
 * Registers a persisted-documents manifest (the SHA-256 of each operation's text -> the text, as `npm run codegen`
 * writes operations/generated/persisted-documents.json) as the client's trusted documents, all or nothing: a manifest
 * that is not such an object, or an entry whose hash is not the SHA-256 of its text (edited after it was generated,
 * or hashed another way), refuses the whole manifest before anything is written.
 */
export async function addTrustedManifest(db: Database, clientId: string, manifest: unknown): Promise<string[]> {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new AdminError('a manifest must be a JSON object of SHA-256 hash -> operation text');
  const documents: string[] = [];
  for (const [hash, text] of Object.entries(manifest)) {
    if (typeof text !== 'string') throw new AdminError(`manifest entry ${hash} is not operation text`);
    const actual = createHash('sha256').update(text).digest('hex');
    if (hash !== actual) throw new AdminError(`manifest entry ${hash} is not the SHA-256 of its text (${actual}): regenerate the manifest with npm run codegen instead of editing it`);
    documents.push(text);
  }
  if (documents.length === 0) throw new AdminError('the manifest holds no documents');
  return db.transaction((tx) => addTrustedDocuments(tx, clientId, documents));
}

/**
 * Turns a client to running only its trusted documents, or back to any operation its grants allow. Returns how many
 * documents it has registered: trusted-only with none, it can run nothing.
 */
export async function setTrustedDocumentsOnly(db: Queryable, clientId: string, trustedOnly: boolean): Promise<{ documents: number }> {
  const [row] = await db.query<{ documents: number }>(
    `UPDATE access.clients c SET trusted_documents_only = $2 WHERE client_id = $1
       RETURNING (SELECT count(*)::int FROM access.trusted_documents d WHERE d.client_id = c.client_id) AS documents`,
    [clientId, trustedOnly],
  );
  if (!row) throw new AdminError(`no client "${clientId}"`);
  return row;
}
