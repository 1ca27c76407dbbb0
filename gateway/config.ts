import { z } from 'zod';
import { configSchema, GATEWAY_DEFAULT_PORT, platformKeys, port, type ConfigOf } from '../platform';
import { auditLogKeys, registryKeys, subgraphKeys } from '../subgraphs/kit';

/** What only the gateway reads (its server, limits, access control, audit writing), beside the platform's keys. */
export const gatewayKeys = {
  /** Gateway port (0 picks a free one). */
  PORT: port.default(GATEWAY_DEFAULT_PORT),
  /** A supergraph SDL file for the gateway; unset: compose the built-in subgraphs at start. */
  SUPERGRAPH: z.string().min(1).optional(),
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
  /**
   * Most requests presenting one credential (an API key or token; for requests with neither, one remote address) a
   * gateway process admits at once, counted before authentication: a caller's flood, even of refusals, never takes
   * every slot of MAX_IN_FLIGHT from the others.
   */
  MAX_IN_FLIGHT_PER_CREDENTIAL: z.coerce.number().int().min(1).max(100_000).default(128),
  /** Largest answer (its data as JSON) the gateway sends; larger ones are refused with 413 RESPONSE_TOO_LARGE. */
  MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(4 * 1024 * 1024),
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
  /** A signed checkpoint of the audit log is made at most this often while records are added. */
  AUDIT_CHECKPOINT_MS: z.coerce.number().int().min(10).max(86_400_000).default(5_000),
  /** `audit archive` removes month partitions older than this many months (once archived and checkpointed); 0: keep all. */
  AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(0).max(1_200).default(0),
  /** How often a gateway asks PostgreSQL for a new supergraph version, in case a Redis notice was missed. */
  SUPERGRAPH_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** A gateway replica not heard from for this long is taken for dead by `registry status` and `publish --wait`. */
  REPLICA_LIVE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** Longest wait before a gateway tries again a supergraph version it refused (the waits double from one second). */
  SUPERGRAPH_RETRY_MAX_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  ...auditLogKeys,
  ...registryKeys,
};

export const gatewayConfig = configSchema({ ...platformKeys, ...gatewayKeys });
export type GatewayConfig = ConfigOf<typeof platformKeys & typeof gatewayKeys>;

/**
 * `npm start`: the gateway and the built-in subgraphs in one process read both kinds' keys. As a demo it shows
 * unexpected errors unless NODE_ENV says otherwise.
 */
export const allInOneConfig = configSchema({
  ...platformKeys,
  ...gatewayKeys,
  ...subgraphKeys,
  NODE_ENV: platformKeys.NODE_ENV.unwrap().default('development'),
});
export type AllInOneConfig = GatewayConfig & ConfigOf<typeof subgraphKeys>;
