import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The one place that reads the environment. Every key has a documented default (see README, "Configuration");
 * a bad value stops the process at start with a message that names the key.
 */
const port = z.coerce.number().int().min(0).max(65535);
/** The gateway's default PORT, from which each subgraph's default port (and so its metrics offset) is counted. */
const GATEWAY_DEFAULT_PORT = 4000;

const schema = z.object({
  /** `production` masks unexpected errors as INTERNAL_SERVER_ERROR; `development` (asked for explicitly, as `npm start` does) shows them. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are closed. */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /**
   * On SIGTERM/SIGINT, how long /ready answers 503 while requests are still served, before the listener closes: set
   * it to how long the load balancer takes to notice (Kubernetes: readiness periodSeconds x failureThreshold).
   */
  SHUTDOWN_READY_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** PostgreSQL connection string. Unset: embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Where the embedded PGlite database lives when DATABASE_URL is unset. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** Connections per process to PostgreSQL. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Interface every server binds to. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Gateway port (0 picks a free one). */
  PORT: port.default(GATEWAY_DEFAULT_PORT),
  /** A supergraph SDL file for the gateway; unset: compose the built-in subgraphs at start. */
  SUPERGRAPH: z.string().min(1).optional(),
  /** How long the gateway waits for one subgraph response. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Gateway worker processes sharing its port (node:cluster); one per core to spare. */
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /** Keep-alive connections the gateway keeps to each subgraph. */
  SUBGRAPH_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(64),
  /** Approximate size of the gateway's query-plan cache. */
  QUERY_PLAN_CACHE_MIB: z.coerce.number().int().min(1).max(4096).default(30),
  /** How many of the latest distinct operations are planned again whenever a new supergraph is loaded; 0: none. */
  QUERY_PLAN_WARM_OPERATIONS: z.coerce.number().int().min(0).max(100_000).default(500),
  /** Which executor runs query plans: `once` (Once's own; Apollo's for what it does not run) or `apollo` (Apollo's for all). */
  GATEWAY_EXECUTOR: z.enum(['once', 'apollo']).default('once'),
  /** Most GraphQL requests one process (gateway worker or subgraph) handles at once; more are refused with 503. */
  MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
  /** Largest accepted request body. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  /** Operation limits at the gateway (graphql-armor): nesting depth, aliases, directives, tokens, and cost. */
  MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(50),
  MAX_TOKENS: z.coerce.number().int().min(10).max(100_000).default(3_000),
  MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  /** Items assumed for a list field whose size no argument (personalIds, first, ...) gives, when counting MAX_COST. */
  ASSUMED_LIST_SIZE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Most operations one client or citizen may have executing at once in one gateway process (half of MAX_IN_FLIGHT by default: one caller never takes it all). */
  MAX_CONCURRENT_PER_PRINCIPAL: z.coerce.number().int().min(1).max(100_000).default(128),
  /** Largest answer (its data as JSON) the gateway sends; larger ones are refused with 413 RESPONSE_TOO_LARGE. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Most personal IDs one `citizens(personalIds)` call may ask for. */
  MAX_CITIZENS_PER_QUERY: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Per-subgraph HMAC secrets, `name=secret,name=secret` (each at least 32 characters). The gateway signs every
   * subgraph request with the subgraph's secret; a subgraph refuses to start without its own. `npm start` makes
   * fresh ones when this is unset.
   */
  SUBGRAPH_SECRETS: z
    .string()
    .optional()
    .transform((value, context) => {
      const secrets: Record<string, string> = {};
      for (const pair of (value ?? '').split(',').filter(Boolean)) {
        const [name, secret] = pair.split('=', 2).map((part) => part.trim());
        if (!name || !secret || secret.length < 32) {
          context.addIssue({ code: 'custom', message: `each entry must be name=secret with a secret of at least 32 characters; got "${name ?? pair}"` });
          return z.NEVER;
        }
        secrets[name] = secret;
      }
      return secrets;
    }),
  /** How far a signed request's timestamp may be from the subgraph's clock. */
  SIGNATURE_MAX_SKEW_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** Public keys that client and citizen JWTs are verified with: a JWKS file, or a JWKS URL. */
  JWKS_FILE: z.string().min(1).optional(),
  JWKS_URL: z.url().optional(),
  /** Required `iss` and `aud` of every JWT. */
  JWT_ISSUER: z.string().min(1).default('once'),
  JWT_AUDIENCE: z.string().min(1).default('once-gateway'),
  /**
   * The OpenID Connect provider citizens sign in with on the data tracker page (its issuer URL; keys are found by
   * discovery). Its ID tokens' subject is the personal ID. Unset: `npm start` runs a local demo provider instead.
   */
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  /** The pages' client id at that provider: the `aud` its ID tokens must carry. */
  OIDC_CLIENT_ID: z.string().min(1).default('once-citizen-pages'),
  /** Port of the local demo identity provider that `npm start` runs when OIDC_ISSUER is unset (0 picks a free one). */
  DEMO_IDP_PORT: port.default(4020),
  /** Requests per minute a client may send (all replicas together) unless its own limit says otherwise; 0: no limit. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(60_000),
  /** Requests per minute a citizen may send; 0: no limit. */
  CITIZEN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  /** How long client, key and policy look-ups are cached in the gateway process. */
  ACCESS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** PostgreSQL of the audit log; default DATABASE_URL (or the embedded database). */
  AUDIT_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Audit records are committed in groups: at most this long after the first one waits... */
  AUDIT_FLUSH_MS: z.coerce.number().int().min(0).max(1_000).default(4),
  /** ...or as soon as this many wait. */
  AUDIT_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /**
   * Ed25519 private key (PKCS#8 PEM) that signs the audit log's checkpoints; kept out of the audit database.
   * Default DATA_DIR/keys/audit-signing-key.pem when that file exists (`npm start` creates it). Without a key a
   * production gateway refuses to start; elsewhere it warns and makes no checkpoints.
   */
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** A signed checkpoint of the audit log is made at most this often while records are added. */
  AUDIT_CHECKPOINT_MS: z.coerce.number().int().min(10).max(86_400_000).default(5_000),
  /** The append-only JSON-lines file every checkpoint is published to; default DATA_DIR/audit/witness.jsonl. */
  AUDIT_WITNESS_FILE: z.string().min(1).optional(),
  /** More witnesses, `url,url`: each checkpoint is POSTed to each, and verification GETs their copies. */
  AUDIT_WITNESS_URLS: z
    .string()
    .optional()
    .transform((value, context) => {
      const urls = (value ?? '').split(',').map((url) => url.trim()).filter(Boolean);
      for (const url of urls) {
        if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) {
          context.addIssue({ code: 'custom', message: `each entry must be an http(s) URL; got "${url}"` });
          return z.NEVER;
        }
      }
      return urls;
    }),
  /** `audit archive` removes month partitions older than this many months (once archived and checkpointed); 0: keep all. */
  AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(0).max(1_200).default(0),
  /** Where `audit archive` writes each removed month (NDJSON plus a manifest with its checkpoint); default DATA_DIR/audit/archive. */
  AUDIT_ARCHIVE_DIR: z.string().min(1).optional(),
  /** Redis for supergraph change notices (and, later, caches); unset: in-process equivalents, one process only. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** How often a gateway asks PostgreSQL for a new supergraph version, in case a Redis notice was missed. */
  SUPERGRAPH_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** A gateway replica not heard from for this long is taken for dead by `registry status` and `publish --wait`. */
  REPLICA_LIVE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** Longest wait before a gateway tries again a supergraph version it refused (the waits double from one second). */
  SUPERGRAPH_RETRY_MAX_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
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
      const entries = value.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
      const hostName = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
      for (const entry of entries) {
        const [address = '', prefix, extra] = entry.split('/');
        const family = isIP(address);
        const bits = family === 6 ? 128 : 32;
        const valid = prefix === undefined ? family !== 0 || hostName.test(entry) : extra === undefined && family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
        if (!valid) {
          context.addIssue({ code: 'custom', message: `each entry must be a host name, an IP address or a CIDR; got "${entry}"` });
          return z.NEVER;
        }
      }
      return entries;
    }),
  /** Largest SDL the registry reads; a larger one is refused at once (SDL_TOO_LARGE). */
  REGISTRY_MAX_SDL_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
  /**
   * How long composing and checking one change may take in its worker thread before it is stopped
   * (SCHEMA_CHECK_TIMEOUT); below SUBGRAPH_TIMEOUT_MS, so that the gateway hears the refusal rather than a timeout.
   */
  REGISTRY_CHECK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(8_000),
  /** How long subgraphs keep entity rows in the cache (Redis, or in-process); 0 turns the cache off. */
  ENTITY_CACHE_TTL_S: z.coerce.number().int().min(0).max(86_400).default(60),
  /**
   * Port of the Prometheus metrics listener (GET /metrics), bound to HOST; unset: no metrics listener; 0: a free port.
   * A subgraph run as its own process listens on METRICS_PORT plus its offset (see `metricsPort`).
   */
  METRICS_PORT: port.max(65_525).optional(),
  /** OTLP/HTTP collector that traces are sent to (`<endpoint>/v1/traces`); unset: tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Citizens generated when `npm start` finds an empty database. */
  SEED_CITIZENS: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  /** Seed of the synthetic data generator: the same seed gives the same data. */
  SEED: z.coerce.number().int().min(0).default(20_230_101),
});

/** Keys of the form `<NAME>_<SETTING>` that each subgraph has, derived from its name (see `agencyKey`). */
const agencySettings = { PORT: port, URL: z.url() };
type AgencySetting = keyof typeof agencySettings;
const AGENCY_KEY = /^[A-Z][A-Z0-9_]*_(PORT|URL)$/;

export type Config = z.infer<typeof schema> & {
  /** The `<NAME>_PORT` and `<NAME>_URL` variables as they were at start, checked when a subgraph's are read. */
  readonly agencyEnv: Readonly<Record<string, string>>;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const agencyEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && AGENCY_KEY.test(key) && !(key in schema.shape)) agencyEnv[key] = value;
  return { ...result.data, agencyEnv };
}

/**
 * A subgraph as the configuration knows it: its name, from which its keys are derived, and the port it listens on
 * unless `<NAME>_PORT` says otherwise. Agencies are data: any name has keys, no list of names is kept here.
 */
export interface SubgraphAddress {
  name: string;
  port: number;
}

/** The variable that holds subgraph `name`'s `setting`: `<NAME>_PORT`, `<NAME>_URL` (upper case, `-` as `_`). */
export function agencyKey(name: string, setting: AgencySetting): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_${setting}`;
}

/** Subgraph `name`'s `setting`, checked now: a bad value throws a ConfigError that names the variable. */
function agencySetting<S extends AgencySetting>(config: Config, name: string, setting: S): z.infer<(typeof agencySettings)[S]> | undefined {
  const key = agencyKey(name, setting);
  const value = config.agencyEnv[key];
  if (value === undefined) return undefined;
  const result = agencySettings[setting].safeParse(value);
  if (!result.success) throw new ConfigError(`Invalid configuration: ${key}: ${result.error.issues.map((issue) => issue.message).join('; ')}`);
  return result.data as z.infer<(typeof agencySettings)[S]>;
}

/** The port a subgraph listens on when it runs on this machine: `<NAME>_PORT`, or its own default. */
export function subgraphPort(config: Config, subgraph: SubgraphAddress): number {
  return agencySetting(config, subgraph.name, 'PORT') ?? subgraph.port;
}

/** A subgraph's routing URL: `<NAME>_URL`, or http://HOST:<its port>/graphql. */
export function subgraphUrl(config: Config, subgraph: SubgraphAddress): string {
  return agencySetting(config, subgraph.name, 'URL') ?? `http://${config.HOST}:${subgraphPort(config, subgraph)}/graphql`;
}

/**
 * The metrics port of a process: the gateway (or `npm start`, which serves everything in one process) listens on
 * METRICS_PORT; a subgraph process on METRICS_PORT plus its default port's distance from 4000, so that processes
 * sharing one host and one configuration do not collide. Null when METRICS_PORT is unset; 0 stays 0 (a free port).
 */
export function metricsPort(config: Config, subgraph?: SubgraphAddress): number | null {
  if (config.METRICS_PORT === undefined) return null;
  return config.METRICS_PORT === 0 || !subgraph ? config.METRICS_PORT : config.METRICS_PORT + subgraph.port - GATEWAY_DEFAULT_PORT;
}

/** REGISTRY_ALLOWED_HOSTS, or by default the hosts of the given subgraphs' URLs (HOST unless `<NAME>_URL` is set). */
export function registryAllowedHosts(config: Config, subgraphs: readonly string[]): string[] {
  const hostOf = (name: string) => new URL(agencySetting(config, name, 'URL') ?? `http://${config.HOST}/`).hostname.replace(/^\[|\]$/g, '');
  return config.REGISTRY_ALLOWED_HOSTS ?? [...new Set(subgraphs.map(hostOf))];
}

/** Every key the configuration reads, for the test that keeps the README's configuration table complete. */
export const CONFIG_KEYS = Object.keys(schema.shape) as ReadonlyArray<keyof z.infer<typeof schema>>;
