/** Helpers of the benchmarks that tests and the local cluster share: child processes, TCP proxies, the portal mix. */
export { startChild } from './child';
export type { Child } from './child';
export { PORTAL_MIX, PORTAL_ROOTS } from './portal-mix';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
