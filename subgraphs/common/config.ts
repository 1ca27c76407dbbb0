import { z } from 'zod';

/**
 * The one place that reads the environment. Every key has a documented default (see README, "Configuration");
 * a bad value stops the process at start with a message that names the key.
 */
const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  /** `production` masks unexpected errors as INTERNAL_SERVER_ERROR; `development` shows them. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
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
  PORT: port.default(4000),
  /** Ports of the three agency subgraphs when they run on this machine. */
  POPULATION_PORT: port.default(4001),
  RESIDENCE_PORT: port.default(4002),
  PROCEDURES_PORT: port.default(4003),
  /** Routing URLs of the subgraphs; default http://HOST:<NAME>_PORT/graphql. */
  POPULATION_URL: z.url().optional(),
  RESIDENCE_URL: z.url().optional(),
  PROCEDURES_URL: z.url().optional(),
  /** A supergraph SDL file for the gateway; unset: compose the built-in subgraphs at start. */
  SUPERGRAPH: z.string().min(1).optional(),
  /** How long the gateway waits for one subgraph response. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Largest accepted request body. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  /** Most personal IDs one `citizens(personalIds)` call may ask for. */
  MAX_CITIZENS_PER_QUERY: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Citizens generated when `npm start` finds an empty database. */
  SEED_CITIZENS: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  /** Seed of the synthetic data generator: the same seed gives the same data. */
  SEED: z.coerce.number().int().min(0).default(20_230_101),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export type SubgraphName = 'population' | 'residence' | 'procedures';

export function subgraphPort(config: Config, name: SubgraphName): number {
  switch (name) {
    case 'population':
      return config.POPULATION_PORT;
    case 'residence':
      return config.RESIDENCE_PORT;
    case 'procedures':
      return config.PROCEDURES_PORT;
  }
}

export function subgraphUrl(config: Config, name: SubgraphName): string {
  const configured = { population: config.POPULATION_URL, residence: config.RESIDENCE_URL, procedures: config.PROCEDURES_URL }[name];
  return configured ?? `http://${config.HOST}:${subgraphPort(config, name)}/graphql`;
}
