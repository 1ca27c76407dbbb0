import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { parse } from 'graphql';
import type { Database, Queryable, Session } from '../../platform';
import { appendWithin } from '../../subgraphs/audit';
import { administrationEntry, type AdministrativeChange } from '../audit/entry';
import { generateApiKey } from './credentials';
import type { ClientRole } from './principal';

/** Changes to clients, keys and grants, for the CLI and first-run setup. Each names what it refused and why. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

/** Who makes an administrative change, and where its audit record goes. */
export interface Operator {
  /** Named in the record; default: the operating-system account that runs the process. */
  actor?: string;
  /** The audit log's database (AUDIT_DATABASE_URL) when it is not the one administered. */
  auditLog?: Database;
}

/**
 * Runs a change and appends its audit record, under the audit writers' chain lock so that the record is one more
 * link of the one chain: in the same transaction, or, when the log has a database of its own, committed before the
 * change is (a change whose record cannot be written is rolled back; the reverse, a record of a change whose commit
 * then failed, shows an attempt). No change is made without its record.
 */
async function administer<Result>(db: Database, by: Operator, change: (tx: Session) => Promise<[Result, AdministrativeChange]>): Promise<Result> {
  const actor = by.actor ?? userInfo().username;
  if (!actor.trim()) throw new AdminError('an administrative change needs the name of who makes it');
  const { auditLog } = by;
  return db.transaction(async (tx) => {
    const [result, done] = await change(tx);
    const entries = [administrationEntry(actor, done)];
    await (auditLog && auditLog !== db ? auditLog.transaction((auditTx) => appendWithin(auditTx, entries)) : appendWithin(tx, entries));
    return result;
  });
}

const COORDINATE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
const ROLES: readonly ClientRole[] = ['PORTAL', 'AGENCY', 'AUDITOR', 'ADMIN'];

export async function createClient(
  db: Database,
  client: { clientId: string; name: string; role: string; mayIntrospect?: boolean; trustedDocumentsOnly?: boolean; rateLimitPerMinute?: number | null },
  by: Operator = {},
): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(client.clientId))
    throw new AdminError(`client id "${client.clientId}" must be 2-63 lowercase letters, digits or dashes`);
  if (!ROLES.includes(client.role as ClientRole)) throw new AdminError(`role must be one of ${ROLES.join(', ')}; got "${client.role}"`);
  const rate = client.rateLimitPerMinute ?? null;
  if (rate !== null && !(Number.isInteger(rate) && rate >= 0))
    throw new AdminError(`rate limit must be a whole number of requests per minute (0: none); got "${rate}"`);
  const settings = {
    name: client.name,
    role: client.role,
    mayIntrospect: client.mayIntrospect ?? false,
    trustedDocumentsOnly: client.trustedDocumentsOnly ?? false,
    rateLimitPerMinute: rate,
  };
  await administer(db, by, async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO access.clients (client_id, name, role, may_introspect, trusted_documents_only, rate_limit_per_minute) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (client_id) DO NOTHING RETURNING client_id`,
      [client.clientId, settings.name, settings.role, settings.mayIntrospect, settings.trustedDocumentsOnly, rate],
    );
    if (inserted.length === 0) throw new AdminError(`client "${client.clientId}" already exists`);
    return [undefined, { action: 'createClient', clientId: client.clientId, details: settings }];
  });
}

export async function disableClient(db: Database, clientId: string, by: Operator = {}): Promise<void> {
  await administer(db, by, async (tx) => {
    const rows = await tx.query('UPDATE access.clients SET disabled_at = now() WHERE client_id = $1 RETURNING client_id', [clientId]);
    if (rows.length === 0) throw new AdminError(`no client "${clientId}"`);
    return [undefined, { action: 'disableClient', clientId }];
  });
}

export function listClients(db: Queryable) {
  return db.query<{ clientId: string; name: string; role: string; mayIntrospect: boolean; disabled: boolean; keys: number }>(
    `SELECT c.client_id AS "clientId", c.name, c.role, c.may_introspect AS "mayIntrospect", c.disabled_at IS NOT NULL AS disabled,
            (SELECT count(*)::int FROM access.api_keys k WHERE k.client_id = c.client_id AND k.revoked_at IS NULL) AS keys
       FROM access.clients c ORDER BY c.client_id`,
  );
}

/** A new API key for the client; the returned key is the only time its secret is seen. */
export async function issueApiKey(db: Database, clientId: string, by: Operator = {}): Promise<{ keyId: string; apiKey: string }> {
  const key = generateApiKey();
  return administer(db, by, async (tx) => {
    const rows = await tx.query(
      `INSERT INTO access.api_keys (key_id, client_id, secret_sha256) SELECT $1, client_id, $3 FROM access.clients WHERE client_id = $2 RETURNING key_id`,
      [key.keyId, clientId, key.secretSha256],
    );
    if (rows.length === 0) throw new AdminError(`no client "${clientId}"`);
    return [
      { keyId: key.keyId, apiKey: key.apiKey },
      { action: 'issueApiKey', clientId, keyId: key.keyId },
    ];
  });
}

export async function revokeApiKey(db: Database, keyId: string, by: Operator = {}): Promise<void> {
  await administer(db, by, async (tx) => {
    const [row] = await tx.query<{ clientId: string }>(
      'UPDATE access.api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING client_id AS "clientId"',
      [keyId],
    );
    if (!row) throw new AdminError(`no active API key "${keyId}"`);
    return [undefined, { action: 'revokeApiKey', clientId: row.clientId, keyId }];
  });
}

/** Lets the client read `coordinates` for `purpose`, recording the legal basis. Idempotent. */
export async function grant(
  db: Database,
  request: { clientId: string; purpose: string; coordinates: readonly string[]; legalBasis: string },
  by: Operator = {},
): Promise<void> {
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
  const coordinates = [...new Set(request.coordinates)].sort();
  await administer(db, by, async (tx) => {
    await tx.query(
      `INSERT INTO access.grants (client_id, purpose, coordinate, legal_basis) SELECT $1, $2, unnest($3::text[]), $4
         ON CONFLICT (client_id, purpose, coordinate) WHERE revoked_at IS NULL DO UPDATE SET legal_basis = EXCLUDED.legal_basis`,
      [request.clientId, request.purpose, coordinates, request.legalBasis],
    );
    return [undefined, { action: 'grant', clientId: request.clientId, purpose: request.purpose, coordinates, details: { legalBasis: request.legalBasis } }];
  });
}

/**
 * Withdraws grants: the named coordinates, or all of the client's grants for the purpose. The rows stay, marked
 * revoked, so that what the client could read before stays known.
 */
export async function revokeGrants(
  db: Database,
  request: { clientId: string; purpose: string; coordinates?: readonly string[] },
  by: Operator = {},
): Promise<number> {
  return administer(db, by, async (tx) => {
    const rows = await tx.query<{ coordinate: string }>(
      `UPDATE access.grants SET revoked_at = now() WHERE client_id = $1 AND purpose = $2 AND revoked_at IS NULL AND ($3::text[] IS NULL OR coordinate = ANY($3))
       RETURNING coordinate`,
      [request.clientId, request.purpose, request.coordinates ?? null],
    );
    const coordinates = rows.map((row) => row.coordinate).sort();
    return [rows.length, { action: 'revokeGrants', clientId: request.clientId, purpose: request.purpose, coordinates }];
  });
}

/** The client's grants in force (revoked ones are history, not grants). */
export function listGrants(db: Queryable, clientId: string) {
  return db.query<{ purpose: string; coordinate: string; legalBasis: string }>(
    `SELECT purpose, coordinate, legal_basis AS "legalBasis" FROM access.grants WHERE client_id = $1 AND revoked_at IS NULL ORDER BY purpose, coordinate`,
    [clientId],
  );
}

/**
 * Registers operation documents for a client (trusted documents), each by the SHA-256 of its exact text: the hash
 * a portal then sends as `extensions.persistedQuery.sha256Hash`. A document that does not parse is refused.
 */
export async function addTrustedDocuments(db: Database, clientId: string, documents: readonly string[], by: Operator = {}): Promise<string[]> {
  for (const document of documents) {
    try {
      parse(document);
    } catch (error) {
      throw new AdminError(`not a GraphQL document: ${(error as Error).message}`);
    }
  }
  return administer(db, by, async (tx) => {
    const hashes: string[] = [];
    for (const document of documents) {
      const sha256 = createHash('sha256').update(document).digest('hex');
      const rows = await tx.query(
        `INSERT INTO access.trusted_documents (client_id, sha256, document) SELECT client_id, $2, $3 FROM access.clients WHERE client_id = $1
           ON CONFLICT (client_id, sha256) DO NOTHING RETURNING sha256`,
        [clientId, sha256, document],
      );
      if (rows.length === 0 && (await tx.query('SELECT 1 FROM access.clients WHERE client_id = $1', [clientId])).length === 0)
        throw new AdminError(`no client "${clientId}"`);
      hashes.push(sha256);
    }
    return [hashes, { action: 'addTrustedDocuments', clientId, details: { sha256: hashes } }];
  });
}

/**
 * Registers a persisted-documents manifest (the SHA-256 of each operation's text -> the text, as `npm run codegen`
 * writes operations/generated/persisted-documents.json) as the client's trusted documents, all or nothing: a manifest
 * that is not such an object, or an entry whose hash is not the SHA-256 of its text (edited after it was generated,
 * or hashed another way), refuses the whole manifest before anything is written.
 */
export async function addTrustedManifest(db: Database, clientId: string, manifest: unknown, by: Operator = {}): Promise<string[]> {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
    throw new AdminError('a manifest must be a JSON object of SHA-256 hash -> operation text');
  const documents: string[] = [];
  for (const [hash, text] of Object.entries(manifest)) {
    if (typeof text !== 'string') throw new AdminError(`manifest entry ${hash} is not operation text`);
    const actual = createHash('sha256').update(text).digest('hex');
    if (hash !== actual)
      throw new AdminError(
        `manifest entry ${hash} is not the SHA-256 of its text (${actual}): regenerate the manifest with npm run codegen instead of editing it`,
      );
    documents.push(text);
  }
  if (documents.length === 0) throw new AdminError('the manifest holds no documents');
  return addTrustedDocuments(db, clientId, documents, by);
}

/**
 * Turns a client to running only its trusted documents, or back to any operation its grants allow. Returns how many
 * documents it has registered: trusted-only with none, it can run nothing.
 */
export async function setTrustedDocumentsOnly(db: Database, clientId: string, trustedOnly: boolean, by: Operator = {}): Promise<{ documents: number }> {
  return administer(db, by, async (tx) => {
    const [row] = await tx.query<{ documents: number }>(
      `UPDATE access.clients c SET trusted_documents_only = $2 WHERE client_id = $1
         RETURNING (SELECT count(*)::int FROM access.trusted_documents d WHERE d.client_id = c.client_id) AS documents`,
      [clientId, trustedOnly],
    );
    if (!row) throw new AdminError(`no client "${clientId}"`);
    return [row, { action: 'setTrustedDocumentsOnly', clientId, details: { trustedDocumentsOnly: trustedOnly } }];
  });
}
