import { stringify } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Service } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { builtInSubgraphs } from '../../subgraphs';
import { audit } from '../../subgraphs/audit';
import { agencyKey, metricsPort, subgraphPort, type SubgraphAddress } from '../../platform';
import { gatewayConfig } from '../../gateway';
import { subgraphEntry } from '../cluster/processes';

/** What differs between one installation and another. */
export interface ManifestOptions {
  namespace: string;
  /** The image the Dockerfile builds, pushed to the cluster's registry. */
  image: string;
  /** Host names of the PostgreSQL and Redis the cluster reaches, outside it (managed services, VMs). */
  postgresHost: string;
  redisHost: string;
  gateway: { minReplicas: number; maxReplicas: number; cpuTargetPercent: number };
  subgraphReplicas: number;
  /**
   * Where signed audit checkpoints are witnessed. `storageClassName` (null: the cluster's default) must offer
   * ReadWriteMany volumes, and `size` hold about 4.5 MB a day per busy gateway replica (one 263-byte line every
   * AUDIT_CHECKPOINT_MS); `urls` are auditors' own witnesses (AUDIT_WITNESS_URLS), none by default.
   */
  auditWitness: { storageClassName: string | null; size: string; urls: string[] };
}

/** What every typed model of kubernetes-models is: checked against the Kubernetes JSON schema by `validate()`. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  validate(): void;
  toJSON(): unknown;
}

export const DEFAULT_OPTIONS: ManifestOptions = {
  namespace: 'once',
  image: 'registry.example.gov.vn/once:0.1.0',
  postgresHost: 'postgres.db.example.gov.vn',
  redisHost: 'redis.db.example.gov.vn',
  gateway: { minReplicas: 3, maxReplicas: 12, cpuTargetPercent: 70 },
  subgraphReplicas: 2,
  auditWitness: { storageClassName: null, size: '10Gi', urls: [] },
};

/**
 * The Secrets the manifests read and never hold: the operator creates them (README, "Kubernetes"). `once-secrets`
 * goes whole into every container's environment (DATABASE_URL, REDIS_URL, SUBGRAPH_SECRETS), `once-jwks` is the JWKS
 * file the gateway verifies bearer tokens with, and `once-audit-key` the audit signing key and its public half
 * (`audit-signing-key.pem` and `.pem.pub`), mounted as files because the key is read from a file only.
 */
export const SECRETS = { environment: 'once-secrets', jwks: 'once-jwks', auditKey: 'once-audit-key' } as const;

/** The configuration's defaults: each subgraph listens on its default port, so the ConfigMap need not set them. */
const DEFAULTS = gatewayConfig.load({});
const JWKS_DIR = '/etc/once/jwks';
const AUDIT_KEY_DIR = '/etc/once/audit-key';
const AUDIT_KEY_FILE = 'audit-signing-key.pem';
/** The claim the witness file lives on, and where it is mounted. */
const AUDIT_WITNESS_CLAIM = 'once-audit-witness';
const AUDIT_WITNESS_DIR = '/var/lib/once/audit-witness';
/** The ConfigMap's METRICS_PORT (the OpenTelemetry Prometheus exporter's usual port); a subgraph process adds its offset. */
const METRICS = gatewayConfig.load({ METRICS_PORT: '9464' });
/** The heap limit `npm run gateway` gives (GATEWAY_HEAP_MB default); the container's memory limit leaves room above it. */
const HEAP_MB = 512;
/** Seconds the endpoints controller and the balancers take to stop sending to a terminating pod. */
const PRE_STOP_SLEEP_S = 5;
/** The gateway drains in-flight requests for up to 10 s on SIGTERM, and then flushes the audit queue. */
const TERMINATION_GRACE_S = 30;

function labels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'once', 'app.kubernetes.io/component': component };
}

function metadata(options: ManifestOptions, name: string, component: string) {
  return { name, namespace: options.namespace, labels: labels(component) };
}

/** The port a process serves GET /metrics on, with the ConfigMap's METRICS_PORT. */
function scrapePort(subgraph?: SubgraphAddress): number {
  const port = metricsPort(METRICS, subgraph);
  if (port === null) throw new Error('METRICS_PORT must be set for the manifests');
  return port;
}

/** The pod template's metadata: its labels, and the annotations a Prometheus scraping by pod annotations follows. */
function podMetadata(component: string, scrape: number): { labels: Record<string, string>; annotations: Record<string, string> } {
  return { labels: labels(component), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(scrape), 'prometheus.io/path': '/metrics' } };
}

function httpProbe(path: string, port: number, periodSeconds: number, failureThreshold: number): IProbe {
  return { httpGet: { path, port }, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}

/**
 * Every Once process's probes: /live while the process is up (given two minutes to start), /ready while it takes
 * traffic (503 from the first moment of a drain, so the Service stops sending before the listener closes).
 */
function probes(port: number): Pick<IContainer, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  return { startupProbe: httpProbe('/live', port, 2, 60), readinessProbe: httpProbe('/ready', port, 5, 2), livenessProbe: httpProbe('/live', port, 10, 3) };
}

/** A container that runs as a non-root user on a read-only root file system, with nothing to escalate to. */
function container(
  options: ManifestOptions,
  name: string,
  args: string[],
  ports: { http: number; metrics: number } | null,
  extra: Partial<IContainer> = {},
): IContainer {
  return {
    name,
    image: options.image,
    command: ['node'],
    args,
    ports:
      ports === null
        ? []
        : [
            { name: 'http', containerPort: ports.http },
            { name: 'metrics', containerPort: ports.metrics },
          ],
    envFrom: [{ configMapRef: { name: 'once-config' } }, { secretRef: { name: SECRETS.environment } }],
    securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    ...extra,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(extra.volumeMounts ?? [])],
  };
}

function podSpec(containers: IContainer[], extra: Partial<IPodSpec> = {}): IPodSpec {
  return {
    // The image's `node` user.
    securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    automountServiceAccountToken: false,
    containers,
    ...extra,
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, ...(extra.volumes ?? [])],
  };
}

/**
 * What signed audit checkpoints need on disk. The signer (the gateway) gets the whole audit key and appends to the
 * witness file; the verifier (the audit subgraph, for verifyAuditLog) gets the key's public half only and reads the
 * witness file. The witness is a claim that outlives pods: a witness that forgets when a pod goes would let a
 * truncated audit log pass unnoticed.
 */
function auditFiles(role: 'signer' | 'verifier'): { volumes: IVolume[]; volumeMounts: IVolumeMount[] } {
  const signer = role === 'signer';
  const publicHalf = `${AUDIT_KEY_FILE}.pub`;
  return {
    volumes: [
      {
        name: 'audit-key',
        secret: { secretName: SECRETS.auditKey, defaultMode: 0o440, ...(signer ? {} : { items: [{ key: publicHalf, path: publicHalf }] }) },
      },
      { name: 'audit-witness', persistentVolumeClaim: { claimName: AUDIT_WITNESS_CLAIM, readOnly: !signer } },
    ],
    volumeMounts: [
      { name: 'audit-key', mountPath: AUDIT_KEY_DIR, readOnly: true },
      { name: 'audit-witness', mountPath: AUDIT_WITNESS_DIR, readOnly: !signer },
    ],
  };
}

/** One volume every gateway replica appends checkpoints to and the audit subgraph reads, on any node: ReadWriteMany. */
function auditWitnessClaim(options: ManifestOptions): PersistentVolumeClaim {
  const { storageClassName, size } = options.auditWitness;
  return new PersistentVolumeClaim({
    metadata: metadata(options, AUDIT_WITNESS_CLAIM, 'audit-witness'),
    spec: {
      accessModes: ['ReadWriteMany'],
      ...(storageClassName === null ? {} : { storageClassName }),
      resources: { requests: { storage: size } },
    },
  });
}

function subgraphHost(name: string): string {
  return `once-${name}`;
}

/** Settings that are not secret; every key is one of the config module's (README, "Configuration"). */
function config(options: ManifestOptions): ConfigMap {
  const urls = Object.fromEntries(
    builtInSubgraphs.map((module) => [agencyKey(module.name, 'URL'), `http://${subgraphHost(module.name)}:${subgraphPort(DEFAULTS, module)}/graphql`]),
  );
  return new ConfigMap({
    metadata: metadata(options, 'once-config', 'config'),
    data: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '0.0.0.0',
      PORT: String(DEFAULTS.PORT),
      METRICS_PORT: String(METRICS.METRICS_PORT),
      JWKS_FILE: `${JWKS_DIR}/jwks.json`,
      AUDIT_SIGNING_KEY_FILE: `${AUDIT_KEY_DIR}/${AUDIT_KEY_FILE}`,
      AUDIT_WITNESS_FILE: `${AUDIT_WITNESS_DIR}/witness.jsonl`,
      ...(options.auditWitness.urls.length > 0 ? { AUDIT_WITNESS_URLS: options.auditWitness.urls.join(',') } : {}),
      ...urls,
    },
  });
}

/** PostgreSQL and Redis live outside the cluster; pods reach them as `postgres` and `redis`, the URLs in the Secret. */
function externalServices(options: ManifestOptions): Service[] {
  return [
    new Service({ metadata: metadata(options, 'postgres', 'database'), spec: { type: 'ExternalName', externalName: options.postgresHost } }),
    new Service({ metadata: metadata(options, 'redis', 'redis'), spec: { type: 'ExternalName', externalName: options.redisHost } }),
  ];
}

function migrationsJob(options: ManifestOptions): Job {
  return new Job({
    metadata: metadata(options, 'once-migrate', 'migrate'),
    spec: {
      backoffLimit: 4,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labels('migrate') },
        spec: podSpec([container(options, 'migrate', ['dist/deploy/migrate.js'], null)], { restartPolicy: 'OnFailure' }),
      },
    },
  });
}

function subgraph(options: ManifestOptions, module: SubgraphAddress): [Deployment, Service] {
  const { name } = module;
  const host = subgraphHost(name);
  const port = subgraphPort(DEFAULTS, module);
  const scrape = scrapePort(module);
  const files = name === audit.name ? auditFiles('verifier') : { volumes: [], volumeMounts: [] };
  const deployment = new Deployment({
    metadata: metadata(options, host, name),
    spec: {
      replicas: options.subgraphReplicas,
      selector: { matchLabels: labels(name) },
      template: {
        metadata: podMetadata(name, scrape),
        spec: podSpec(
          [
            container(
              options,
              name,
              [`dist/${subgraphEntry(name)}`],
              { http: port, metrics: scrape },
              {
                ...probes(port),
                lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_S } } },
                resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
                volumeMounts: files.volumeMounts,
              },
            ),
          ],
          { terminationGracePeriodSeconds: TERMINATION_GRACE_S, volumes: files.volumes },
        ),
      },
    },
  });
  const service = new Service({
    metadata: metadata(options, host, name),
    spec: { selector: labels(name), ports: [{ name: 'http', port, targetPort: 'http' }] },
  });
  return [deployment, service];
}

/**
 * Stateless gateway replicas: scaled on CPU, at most one taken down at a time by a voluntary disruption, out of the
 * Service as soon as they stop being ready, and given time to drain before SIGTERM.
 */
function gateway(options: ManifestOptions): KubernetesObject[] {
  const name = 'once-gateway';
  const scrape = scrapePort();
  const files = auditFiles('signer');
  const deployment = new Deployment({
    metadata: metadata(options, name, 'gateway'),
    spec: {
      // No replicas here: the HorizontalPodAutoscaler owns the count.
      selector: { matchLabels: labels('gateway') },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: podMetadata('gateway', scrape),
        spec: podSpec(
          [
            container(
              options,
              'gateway',
              [`--max-old-space-size=${HEAP_MB}`, 'dist/gateway/main.js'],
              { http: DEFAULTS.PORT, metrics: scrape },
              {
                ...probes(DEFAULTS.PORT),
                lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_S } } },
                resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: `${HEAP_MB + 256}Mi` } },
                volumeMounts: [{ name: 'jwks', mountPath: JWKS_DIR, readOnly: true }, ...files.volumeMounts],
              },
            ),
          ],
          {
            terminationGracePeriodSeconds: TERMINATION_GRACE_S,
            volumes: [{ name: 'jwks', secret: { secretName: SECRETS.jwks } }, ...files.volumes],
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels('gateway') } },
            ],
          },
        ),
      },
    },
  });
  const service = new Service({
    metadata: metadata(options, name, 'gateway'),
    spec: { selector: labels('gateway'), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  const autoscaler = new HorizontalPodAutoscaler({
    metadata: metadata(options, name, 'gateway'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: options.gateway.minReplicas,
      maxReplicas: options.gateway.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: options.gateway.cpuTargetPercent } } }],
    },
  });
  const disruptionBudget = new PodDisruptionBudget({
    metadata: metadata(options, name, 'gateway'),
    spec: { maxUnavailable: 1, selector: { matchLabels: labels('gateway') } },
  });
  return [deployment, service, autoscaler, disruptionBudget];
}

/** Every object of an installation, in the order `kubectl apply` should meet them. */
export function onceManifests(options: ManifestOptions = DEFAULT_OPTIONS): KubernetesObject[] {
  if (options.gateway.minReplicas < 2)
    throw new Error(`gateway.minReplicas must be at least 2, so that the disruption budget can let one go; got ${options.gateway.minReplicas}`);
  if (options.gateway.maxReplicas < options.gateway.minReplicas) throw new Error('gateway.maxReplicas must not be below gateway.minReplicas');
  return [
    new Namespace({ metadata: { name: options.namespace, labels: { 'app.kubernetes.io/name': 'once' } } }),
    config(options),
    ...externalServices(options),
    auditWitnessClaim(options),
    migrationsJob(options),
    ...builtInSubgraphs.flatMap((module) => subgraph(options, module)),
    ...gateway(options),
  ];
}

/** The installation as one multi-document YAML file for `kubectl apply -f`. */
export function renderManifests(options: ManifestOptions = DEFAULT_OPTIONS): string {
  const header = '# Generated by `npm run manifests` from deploy/kubernetes/manifests.ts: edit that, not this.\n';
  return (
    header +
    onceManifests(options)
      .map((object) => `---\n${stringify(object.toJSON())}`)
      .join('')
  );
}
