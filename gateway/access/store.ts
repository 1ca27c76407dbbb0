import { LRUCache } from 'lru-cache';
import { type Queryable, ErrorCode, unavailable } from '../../platform';
import type { ClientRecord } from './principal';

/**
 * Entries per lookup kind: far more than the clients, keys and grants a gateway serves, and a bound on what unknown key
 * ids or purposes sent by strangers can make the gateway remember.
 */
const MAX_ENTRIES = 10_000;

/** Access data changes rarely and is read on every request: each lookup is cached for a while (lru-cache). */
class TtlCache<Value> {
  // lru-cache holds no null or false, and lookups answer both ("no such client"): each value travels in a box.
  private readonly entries: LRUCache<string, { value: Value }, () => Promise<Value>> | null;

  /** `ttlMs` 0: no caching (every lookup reads the database). */
  constructor(ttlMs: number) {
    // Concurrent misses of one key share one load (lru-cache's fetch). A load still running when the cache is cleared
    // answers its callers but is not stored: it may have read what the change replaced.
    this.entries =
      ttlMs > 0
        ? new LRUCache({
            max: MAX_ENTRIES,
            ttl: ttlMs,
            ignoreFetchAbort: true,
            fetchMethod: async (_key, _stale, { context: load }) => ({ value: await load() }),
          })
        : null;
  }

  async get(key: string, load: () => Promise<Value>): Promise<Value> {
    try {
      if (!this.entries) return await load();
      const box = await this.entries.fetch(key, { context: load });
      if (!box) throw new Error(`the access cache lost ${key} while loading it`);
      return box.value;
    } catch (error) {
      // Fail closed, but as "retry shortly", not as a 500: the process recovers by itself when the store is back.
      throw unavailable(ErrorCode.ServiceUnavailable, 'Access policies cannot be read right now; retry shortly', error);
    }
  }

  clear(): void {
    this.entries?.clear();
  }
}

export interface ApiKeyRecord {
  keyId: string;
  clientId: string;
  secretSha256: string;
  revoked: boolean;
}

/** Clients, keys, purposes and grants from PostgreSQL, cached for `ttlMs`. */
export class AccessStore {
  private readonly clients: TtlCache<ClientRecord | null>;
  private readonly keys: TtlCache<ApiKeyRecord | null>;
  private readonly purposes: TtlCache<boolean>;
  private readonly grants: TtlCache<ReadonlySet<string>>;
  private readonly trusted: TtlCache<boolean>;

  constructor(
    private readonly db: Queryable,
    ttlMs: number,
  ) {
    this.clients = new TtlCache(ttlMs);
    this.keys = new TtlCache(ttlMs);
    this.purposes = new TtlCache(ttlMs);
    this.grants = new TtlCache(ttlMs);
    this.trusted = new TtlCache(ttlMs);
  }

  client(clientId: string): Promise<ClientRecord | null> {
    return this.clients.get(clientId, async () => {
      const [row] = await this.db.query<ClientRecord>(
        `SELECT client_id AS "clientId", name, role, may_introspect AS "mayIntrospect", trusted_documents_only AS "trustedDocumentsOnly",
                rate_limit_per_minute AS "rateLimitPerMinute", disabled_at IS NOT NULL AS disabled
           FROM access.clients WHERE client_id = $1`,
        [clientId],
      );
      return row ?? null;
    });
  }

  apiKey(keyId: string): Promise<ApiKeyRecord | null> {
    return this.keys.get(keyId, async () => {
      const [row] = await this.db.query<ApiKeyRecord>(
        `SELECT key_id AS "keyId", client_id AS "clientId", secret_sha256 AS "secretSha256", revoked_at IS NOT NULL AS revoked
           FROM access.api_keys WHERE key_id = $1`,
        [keyId],
      );
      return row ?? null;
    });
  }

  purposeExists(code: string): Promise<boolean> {
    return this.purposes.get(code, async () => (await this.db.query('SELECT 1 FROM access.purposes WHERE code = $1', [code])).length > 0);
  }

  /** The coordinates `clientId` may read for `purpose`. */
  grantsFor(clientId: string, purpose: string): Promise<ReadonlySet<string>> {
    return this.grants.get(`${clientId}\n${purpose}`, async () => {
      const rows = await this.db.query<{ coordinate: string }>(
        'SELECT coordinate FROM access.grants WHERE client_id = $1 AND purpose = $2 AND revoked_at IS NULL',
        [clientId, purpose],
      );
      return new Set(rows.map((row) => row.coordinate));
    });
  }

  /** Whether `clientId` registered the operation whose text has this SHA-256. */
  isTrustedDocument(clientId: string, sha256: string): Promise<boolean> {
    return this.trusted.get(
      `${clientId}\n${sha256}`,
      async () => (await this.db.query('SELECT 1 FROM access.trusted_documents WHERE client_id = $1 AND sha256 = $2', [clientId, sha256])).length > 0,
    );
  }

  /** Forgets everything cached, after a change to clients, keys or grants. */
  invalidate(): void {
    for (const cache of [this.clients, this.keys, this.purposes, this.grants, this.trusted]) cache.clear();
  }
}
