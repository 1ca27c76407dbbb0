/** What tests and benchmarks use of the deployment: the local cluster, its processes, the Kubernetes manifests. */
export { startCluster } from './cluster/cluster';
export type { Cluster } from './cluster/cluster';
export { RELEASE_DIST, built, freePort, startProcess, subgraphEntry, waitHealthy } from './cluster/processes';
export { DEFAULT_OPTIONS, SECRETS, onceManifests, renderManifests } from './kubernetes/manifests';
export type { KubernetesObject } from './kubernetes/manifests';
