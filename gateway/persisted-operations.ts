import type { GuardedRedis, Queryable, Logger } from '../platform';

/** The key-value interface Apollo Server keeps automatic persisted queries (APQ) in. */
interface KeyValueCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | undefined>;
}

/** Apollo Server prefixes APQ keys with this; the rest is the SHA-256 of the operation text. */
const APQ_PREFIX = 'apq:';
const REDIS_PREFIX = 'once:';
const LOCAL_LIMIT = 10_000;
/** How long a trusted document found in PostgreSQL stays in Redis (or in process) before it is read again. */
const TRUSTED_TTL_S = 24 * 3600;

/**
 * Where persisted operations are found by hash: automatic persisted queries in Redis (shared by every gateway
 * replica; in-process without REDIS_URL), and, behind them, the trusted documents clients registered in PostgreSQL,
 * so that a registered operation can be sent by hash alone to any replica, at any time; a trusted document read from
 * PostgreSQL is then kept in Redis too. Whether a client may run it is decided by the access check, not by this store.
 */
export class PersistedOperations implements KeyValueCache {
  private readonly local = new Map<string, string>();

  /** `redis` (from `openRedis`) is shared with the gateway's other Redis users, whose owner closes it; null: in process. */
  constructor(
    private readonly db: Queryable,
    private readonly redis: GuardedRedis | null,
    private readonly log: Logger,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const cached = await this.cached(key);
    if (cached !== undefined) return cached;
    if (!key.startsWith(APQ_PREFIX)) return undefined;
    const [row] = await this.db.query<{ document: string }>('SELECT document FROM access.trusted_documents WHERE sha256 = $1 LIMIT 1', [
      key.slice(APQ_PREFIX.length),
    ]);
    // Kept beside the automatic ones, so that the next request by this hash, on any replica, is not a database read.
    if (row) await this.set(key, row.document, { ttl: TRUSTED_TTL_S });
    return row?.document;
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    if (!this.redis) {
      if (this.local.size >= LOCAL_LIMIT) this.local.delete(this.local.keys().next().value ?? '');
      this.local.set(key, value);
      return;
    }
    const ttl = options?.ttl;
    const stored = await this.redis.use(async (redis) => {
      await (ttl ? redis.set(`${REDIS_PREFIX}${key}`, value, 'EX', ttl) : redis.set(`${REDIS_PREFIX}${key}`, value));
      return true;
    }, false);
    if (!stored) this.log.debug({ key }, 'persisted query not stored in Redis (unavailable)');
  }

  async delete(key: string): Promise<boolean> {
    this.local.delete(key);
    if (this.redis) await this.redis.use((redis) => redis.del(`${REDIS_PREFIX}${key}`), 0);
    return true;
  }

  /** Every registered document once, for planning ahead. */
  async trustedDocuments(): Promise<Array<{ query: string; operationName: null }>> {
    const rows = await this.db.query<{ document: string }>('SELECT DISTINCT ON (sha256) document FROM access.trusted_documents');
    return rows.map((row) => ({ query: row.document, operationName: null }));
  }

  private async cached(key: string): Promise<string | undefined> {
    if (!this.redis) return this.local.get(key);
    return (await this.redis.use((redis) => redis.get(`${REDIS_PREFIX}${key}`), null)) ?? undefined;
  }
}
