/** Helpers of the benchmarks that tests and the local cluster share: child processes, TCP proxies, the portal mix, the planners. */
export { startChild } from './child';
export type { Child } from './child';
export { PLANNERS, median, timed } from './planners';
export { PORTAL_MIX, PORTAL_ROOTS } from './portal-mix';
export { GATEWAYS_BENCHMARK_FILES } from './standard/files';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
