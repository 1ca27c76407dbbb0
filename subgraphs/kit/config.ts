import { isIP } from 'node:net';
import { z } from 'zod';
import { agencySetting, configSchema, platformKeys, type ConfigOf } from '../../platform';

/**
 * The audit log's keys: read by the audit subgraph (its public key and witnesses, for proofs) and by the gateway,
 * which writes and signs the log; both schemas include them.
 */
export const auditLogKeys = {
  /**
   * Ed25519 private key (PKCS#8 PEM) that signs the audit log's checkpoints; kept out of the audit database.
   * Default DATA_DIR/keys/audit-signing-key.pem when that file exists (`npm start` creates it). Without a key a
   * production gateway refuses to start; elsewhere it warns and makes no checkpoints.
   */
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The append-only JSON-lines file every checkpoint is published to; default DATA_DIR/audit/witness.jsonl. */
  AUDIT_WITNESS_FILE: z.string().min(1).optional(),
  /** More witnesses, `url,url`: each checkpoint is POSTed to each, and verification GETs their copies. */
  AUDIT_WITNESS_URLS: z
    .string()
    .optional()
    .transform((value, context) => {
      const urls = (value ?? '')
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean);
      for (const url of urls) {
        if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) {
          context.addIssue({ code: 'custom', message: `each entry must be an http(s) URL; got "${url}"` });
          return z.NEVER;
        }
      }
      return urls;
    }),
  /** Where `audit archive` writes each removed month (NDJSON plus a manifest with its checkpoint); default DATA_DIR/audit/archive. */
  AUDIT_ARCHIVE_DIR: z.string().min(1).optional(),
};

/**
 * The registry's keys: read by the registry subgraph and by a gateway that bootstraps an empty registry from the
 * built-in subgraphs; both schemas include them.
 */
export const registryKeys = {
  /** How far back the registry looks in the audit log for operations that use a field a change would break. */
  USAGE_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * Hosts the registry accepts in routing URLs, comma-separated: host names, IP addresses and CIDRs (`10.20.0.0/16`;
   * a CIDR matches URLs written with an IP address). Unset: only the hosts of the built-in subgraphs' URLs.
   */
  REGISTRY_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const entries = value
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean);
      const hostName = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
      for (const entry of entries) {
        const [address = '', prefix, extra] = entry.split('/');
        const family = isIP(address);
        const bits = family === 6 ? 128 : 32;
        const valid =
          prefix === undefined
            ? family !== 0 || hostName.test(entry)
            : extra === undefined && family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
        if (!valid) {
          context.addIssue({ code: 'custom', message: `each entry must be a host name, an IP address or a CIDR; got "${entry}"` });
          return z.NEVER;
        }
      }
      return entries;
    }),
  /** Largest SDL the registry reads; a larger one is refused at once (SDL_TOO_LARGE). */
  REGISTRY_MAX_SDL_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(256 * 1024),
  /**
   * How long composing and checking one change may take in its worker thread before it is stopped
   * (SCHEMA_CHECK_TIMEOUT); below SUBGRAPH_TIMEOUT_MS, so that the gateway hears the refusal rather than a timeout.
   */
  REGISTRY_CHECK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(8_000),
};

/** What only subgraph processes read (the registry and the audit log are subgraphs too), beside the platform's keys. */
export const subgraphKeys = {
  /** Most personal IDs one `citizens(personalIds)` call may ask for. */
  MAX_CITIZENS_PER_QUERY: z.coerce.number().int().min(1).max(10_000).default(100),
  /** How far a signed request's timestamp may be from the subgraph's clock. */
  SIGNATURE_MAX_SKEW_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How long subgraphs keep entity rows in the cache (Redis, or in-process); 0 turns the cache off. */
  ENTITY_CACHE_TTL_S: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Citizens generated when `npm start` finds an empty database. */
  SEED_CITIZENS: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  /** Seed of the synthetic data generator: the same seed gives the same data. */
  SEED: z.coerce.number().int().min(0).default(20_230_101),
  ...auditLogKeys,
  ...registryKeys,
};

export const subgraphConfig = configSchema({ ...platformKeys, ...subgraphKeys });
export type SubgraphConfig = ConfigOf<typeof platformKeys & typeof subgraphKeys>;
/** What the registry's settings are read from: a registry subgraph's configuration or a bootstrapping gateway's. */
export type RegistryConfig = Pick<SubgraphConfig, keyof typeof registryKeys | 'SUBGRAPH_SECRETS' | 'SUBGRAPH_TIMEOUT_MS' | 'HOST' | 'agencyEnv'>;
/** What the audit log's settings are read from: the gateway's configuration or an audit subgraph's. */
export type AuditLogConfig = Pick<SubgraphConfig, keyof typeof auditLogKeys | 'DATA_DIR'>;

/** REGISTRY_ALLOWED_HOSTS, or by default the hosts of the given subgraphs' URLs (HOST unless `<NAME>_URL` is set). */
export function registryAllowedHosts(config: RegistryConfig, subgraphs: readonly string[]): string[] {
  const hostOf = (name: string) => new URL(agencySetting(config, name, 'URL') ?? `http://${config.HOST}/`).hostname.replace(/^\[|\]$/g, '');
  return config.REGISTRY_ALLOWED_HOSTS ?? [...new Set(subgraphs.map(hostOf))];
}
