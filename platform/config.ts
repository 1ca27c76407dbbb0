import { z } from 'zod';

/**
 * Configuration: each process kind (gateway, subgraph, CLI) reads the environment once, through its own schema made
 * with `configSchema`, and every key has a documented default (README, "Configuration", which says which kinds read
 * it). A bad value stops the process at start with a message that names the key. The keys here are those every
 * process reads (logging, database, Redis, HTTP serving, signing, tracing, shutdown); the gateway's schema is in
 * gateway/config.ts, the subgraphs' in subgraphs/kit/config.ts, the CLIs' in gateway/cli-config.ts.
 */
export const port = z.coerce.number().int().min(0).max(65535);
/** The gateway's default PORT, from which each subgraph's default port (and so its metrics offset) is counted. */
export const GATEWAY_DEFAULT_PORT = 4000;

export const platformKeys = {
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
  /** Most GraphQL requests one process (gateway worker or subgraph) handles at once; more are refused with 503. */
  MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
  /** Largest accepted request body. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  /** How long the gateway waits for one subgraph response. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
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
  /** Redis for supergraph change notices (and, later, caches); unset: in-process equivalents, one process only. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /**
   * Port of the Prometheus metrics listener (GET /metrics), bound to HOST; unset: no metrics listener; 0: a free port.
   * A subgraph run as its own process listens on METRICS_PORT plus its offset (see `metricsPort`).
   */
  METRICS_PORT: port.max(65_525).optional(),
  /** OTLP/HTTP collector that traces are sent to (`<endpoint>/v1/traces`); unset: tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
};

/** Keys of the form `<NAME>_<SETTING>` that each subgraph has, derived from its name (see `agencyKey`). */
const agencySettings = { PORT: port, URL: z.url() };
type AgencySetting = keyof typeof agencySettings;
/** The settings every subgraph has a key for. */
export const AGENCY_SETTINGS = Object.keys(agencySettings) as AgencySetting[];
const AGENCY_KEY = new RegExp(`^[A-Z][A-Z0-9_]*_(${AGENCY_SETTINGS.join('|')})$`);

/** What a schema of `keys` reads: the values, and the `<NAME>_PORT`/`<NAME>_URL` variables checked when read. */
export type ConfigOf<Keys extends z.ZodRawShape> = z.infer<z.ZodObject<Keys>> & {
  /** The `<NAME>_PORT` and `<NAME>_URL` variables as they were at start, checked when a subgraph's are read. */
  readonly agencyEnv: Readonly<Record<string, string>>;
};

export type PlatformConfig = ConfigOf<typeof platformKeys>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One process kind's configuration: its keys (for the README check) and the one function that reads them. */
export interface ConfigSchema<Keys extends z.ZodRawShape> {
  readonly keys: ReadonlyArray<keyof Keys & string>;
  load(env?: NodeJS.ProcessEnv): ConfigOf<Keys>;
}

export function configSchema<Keys extends z.ZodRawShape>(keys: Keys): ConfigSchema<Keys> {
  const schema = z.object(keys);
  return {
    keys: Object.keys(keys),
    load(env = process.env) {
      const result = schema.safeParse(env);
      if (!result.success) {
        const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
        throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
      }
      const agencyEnv: Record<string, string> = {};
      for (const [key, value] of Object.entries(env)) if (value !== undefined && AGENCY_KEY.test(key) && !(key in keys)) agencyEnv[key] = value;
      return { ...result.data, agencyEnv };
    },
  };
}

/** Processes that read only the platform's keys (the migrations Job). */
export const platformConfig = configSchema(platformKeys);

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
export function agencySetting<S extends AgencySetting>(
  config: Pick<PlatformConfig, 'agencyEnv'>,
  name: string,
  setting: S,
): z.infer<(typeof agencySettings)[S]> | undefined {
  const key = agencyKey(name, setting);
  const value = config.agencyEnv[key];
  if (value === undefined) return undefined;
  const result = agencySettings[setting].safeParse(value);
  if (!result.success) throw new ConfigError(`Invalid configuration: ${key}: ${result.error.issues.map((issue) => issue.message).join('; ')}`);
  return result.data as z.infer<(typeof agencySettings)[S]>;
}

/** The port a subgraph listens on when it runs on this machine: `<NAME>_PORT`, or its own default. */
export function subgraphPort(config: PlatformConfig, subgraph: SubgraphAddress): number {
  return agencySetting(config, subgraph.name, 'PORT') ?? subgraph.port;
}

/** A subgraph's routing URL: `<NAME>_URL`, or http://HOST:<its port>/graphql. */
export function subgraphUrl(config: PlatformConfig, subgraph: SubgraphAddress): string {
  return agencySetting(config, subgraph.name, 'URL') ?? `http://${config.HOST}:${subgraphPort(config, subgraph)}/graphql`;
}

/**
 * The metrics port of a process: the gateway (or `npm start`, which serves everything in one process) listens on
 * METRICS_PORT; a subgraph process on METRICS_PORT plus its default port's distance from 4000, so that processes
 * sharing one host and one configuration do not collide. Null when METRICS_PORT is unset; 0 stays 0 (a free port).
 */
export function metricsPort(config: PlatformConfig, subgraph?: SubgraphAddress): number | null {
  if (config.METRICS_PORT === undefined) return null;
  return config.METRICS_PORT === 0 || !subgraph ? config.METRICS_PORT : config.METRICS_PORT + subgraph.port - GATEWAY_DEFAULT_PORT;
}
