/**
 * The platform: what every Once process shares (configuration, logging, the database and its migrations, Redis, HTTP
 * serving, the error catalogue, request signing, tracing, metrics, runMain). Nothing in it knows the gateway or a
 * subgraph; the layer rules (.dependency-cruiser.cjs) keep it so.
 */
export { clientLabel, noteRequest } from './access-log';
export { CircuitBreaker } from './circuit-breaker';
export { Holdings } from './holdings';
export { copyRows, csvLine } from './copy-rows';
export {
  AGENCY_SETTINGS,
  ConfigError,
  GATEWAY_DEFAULT_PORT,
  agencyKey,
  agencySetting,
  configSchema,
  metricsPort,
  platformConfig,
  platformKeys,
  port,
  subgraphPort,
  subgraphUrl,
} from './config';
export type { ConfigOf, PlatformConfig, SubgraphAddress } from './config';
export { DatabaseLockedError, countQueries, lockDataDir, openDatabase, openPglite, openPostgres } from './database';
export type { Database, Queryable, Session } from './database';
export { ErrorCode, RETRY_AFTER_S, apolloErrorOptions, badUserInput, errorCodeOf, unavailable } from './errors';
export { HttpError, startGraphQLHttpServer } from './http-server';
export type { RequestInfo, RunningServer } from './http-server';
export { sendError } from './http-server';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { CappedLabel, LATENCY_BUCKETS, entityCacheLookups, reportMetricsToPrimary, startMetricsFor, startMetricsServer } from './metrics';
export type { RunningMetricsServer } from './metrics';
export { migrate } from './migrate';
export { createNotifier } from './notifier';
export type { Notifier } from './notifier';
export { centurySexDigit, formatPersonalId, parsePersonalId, personalIdProblems } from './personal-id';
export type { Sex } from './personal-id';
export { createProgress } from './progress';
export type { Progress } from './progress';
export { TWO_LEVEL_GOVERNMENT_SINCE, provinceByCode, provinces } from './provinces';
export type { Province } from './provinces';
export { createRedisClient, openRedis } from './redis';
export type { GuardedRedis } from './redis';
export { openMigratedDatabase, runMain } from './run-main';
export type { MigrationSet } from './run-main';
export { signRequest, signatureProblem } from './signing';
export type { ForwardedHeader } from './signing';
export { currentTraceId, inSpan, injectTraceContext, startTracing } from './tracing';
export type { Tracing } from './tracing';
export { startTsWorker } from './ts-worker';
