import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openPostgres, type Database, type Logger, openRedis, type MigrationSet, type Queryable } from '../../platform';
import { audit, publicKeyDocument, auditKeyFile, auditWitnesses, loadSigningKey, createAuditWriter, type AuditWriter } from '../../subgraphs/audit';
import { registry } from '../../subgraphs/registry';
import { createAuthenticator, loadJwks, type Authenticate } from './authenticate';
import { discoveredKeys } from './oidc';
import { RateLimiter } from './rate-limit';
import { AccessStore } from './store';
import { PersistedOperations } from '../persisted-operations';
import { auditTelemetry } from '../telemetry/gateway-metrics';
import type { GatewayConfig } from '../config';

/** Authentication, purpose, policy and audit; all on in every real deployment. */
export interface AccessControl {
  authenticate: Authenticate;
  store: AccessStore;
  audit: AuditWriter;
  /** Automatic persisted queries (Redis) and the clients' trusted documents, found by hash. */
  persisted: PersistedOperations;
  /** Requests per principal per minute, shared by the replicas through Redis. */
  rateLimiter: RateLimiter;
  /** Extra GET routes, e.g. the audit public key at /.well-known/once-audit-key. */
  routes?: Record<string, () => unknown>;
  /** The audit log's database, which the auditors' export reads. */
  auditDb: Queryable;
}

/** The gateway's own tables (clients, keys, purposes, grants), the audit log it writes and the registry it follows. */
export const gatewayMigrations: readonly MigrationSet[] = [
  { name: 'gateway', migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
  { name: audit.name, migrations: audit.migrations },
  { name: registry.name, migrations: registry.migrations },
];

/** Where the gateway serves the audit public key that checkpoints and proofs are checked with. */
export const AUDIT_KEY_PATH = '/.well-known/once-audit-key';

/** Where `npm run once -- keys init` keeps the local signing keys' public half. */
export function defaultJwksFile(config: GatewayConfig): string {
  return `${config.DATA_DIR}/keys/jwks.json`;
}

/** Authentication, policy store and audit writer as the configuration says. */
export function openAccessControl(config: GatewayConfig, log: Logger, db: Database): AccessControl & { close(): Promise<void> } {
  const jwksFile = config.JWKS_FILE ?? (existsSync(defaultJwksFile(config)) ? defaultJwksFile(config) : undefined);
  const keys = loadJwks({ file: jwksFile, url: config.JWKS_URL });
  if (!keys) log.warn('no JWKS_FILE or JWKS_URL: bearer tokens will be refused, API keys still work');
  const store = new AccessStore(db, config.ACCESS_CACHE_MS);
  const auditDb = config.AUDIT_DATABASE_URL ? openPostgres(config.AUDIT_DATABASE_URL, config.DATABASE_POOL_SIZE, log) : db;
  const auditKey = loadSigningKey(config);
  if (!auditKey) {
    if (config.NODE_ENV === 'production')
      throw new Error(`AUDIT_SIGNING_KEY_FILE: no audit signing key at ${auditKeyFile(config)}; a production gateway does not run an audit log it cannot sign`);
    log.warn({ file: auditKeyFile(config) }, 'no audit signing key: the audit log gets no signed checkpoints, so deletions of its newest records go unnoticed');
  }
  const checkpoints = auditKey ? { key: auditKey, everyMs: config.AUDIT_CHECKPOINT_MS, witnesses: auditWitnesses(config) } : null;
  const writer = createAuditWriter({
    db: auditDb,
    flushMs: config.AUDIT_FLUSH_MS,
    maxBatch: config.AUDIT_MAX_BATCH,
    log,
    checkpoints,
    telemetry: auditTelemetry,
  });
  // One connection for persisted operations and rate limits; both fall back to this process while Redis is down.
  const redis = config.REDIS_URL ? openRedis(config.REDIS_URL, log, 'persisted operations and rate limits') : null;
  const persisted = new PersistedOperations(db, redis, log);
  const rateLimiter = new RateLimiter(redis);
  return {
    authenticate: createAuthenticator({
      store,
      keys,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      oidc: config.OIDC_ISSUER ? { issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, keys: discoveredKeys(config.OIDC_ISSUER) } : null,
    }),
    store,
    audit: writer,
    auditDb,
    persisted,
    rateLimiter,
    routes: auditKey ? { [AUDIT_KEY_PATH]: () => publicKeyDocument(createPublicKey(auditKey)) } : {},
    async close() {
      redis?.disconnect();
      await writer.close();
      if (auditDb !== db) await auditDb.close();
    },
  };
}
