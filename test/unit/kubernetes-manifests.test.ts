import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { metricsPort } from '../../platform';
import { gatewayConfig } from '../../gateway';
import { DEFAULT_OPTIONS, onceManifests, renderManifests, SECRETS, subgraphEntry, type KubernetesObject } from '../../deploy';

const COMMITTED = readFileSync(new URL('../../deploy/kubernetes/once.yaml', import.meta.url), 'utf8');

/** The typed model, with its schema, for each kind the manifests use: how a document of the YAML file is checked. */
const MODELS: Record<string, new (data: never) => KubernetesObject> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'batch/v1/Job': Job,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface Document {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec: IPodSpec } };
}

const documents = parseAllDocuments(COMMITTED).map((document) => document.toJS() as Document);
const find = (kind: string, name: string) => documents.find((document) => document.kind === kind && document.metadata.name === name);
const podSpecs = documents.flatMap((document) => (document.spec?.template ? [document.spec.template.spec] : []));

describe('Kubernetes manifests', () => {
  it('are what deploy/kubernetes/manifests.ts renders (run npm run manifests after a change)', () => {
    expect(COMMITTED).toBe(renderManifests());
  });

  it('validate, document by document of the YAML file, against the Kubernetes JSON schemas', () => {
    expect(documents.map((document) => `${document.kind}/${document.metadata.name}`)).toHaveLength(onceManifests().length);
    for (const document of documents) {
      const Model = MODELS[`${document.apiVersion}/${document.kind}`];
      expect(Model, `${document.apiVersion} ${document.kind}`).toBeDefined();
      expect(() => new (Model as new (data: Document) => KubernetesObject)(document).validate()).not.toThrow();
    }
  });

  it('refuse a document the schema does not allow, naming the field', () => {
    const gateway = find('Deployment', 'once-gateway') as Document;
    const broken = { ...gateway, spec: { ...gateway.spec, replicas: 'three' } };
    expect(() => new Deployment(broken as never).validate()).toThrow(/spec\/replicas must be integer/);
  });

  it('run the gateway scaled on CPU, with a disruption budget, /live and /ready probes and a drain before SIGTERM', () => {
    const autoscaler = find('HorizontalPodAutoscaler', 'once-gateway') as unknown as HorizontalPodAutoscaler;
    expect(autoscaler.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'once-gateway' });
    expect(autoscaler.spec?.metrics?.[0]?.resource?.name).toBe('cpu');
    expect(find('PodDisruptionBudget', 'once-gateway')).toMatchObject({ spec: { maxUnavailable: 1 } });
    const gateway = (find('Deployment', 'once-gateway') as Document).spec?.template?.spec.containers[0];
    expect(gateway?.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(gateway?.livenessProbe?.httpGet?.path).toBe('/live');
    expect(gateway?.lifecycle?.preStop?.sleep?.seconds).toBeGreaterThan(0);
    expect(gateway?.volumeMounts).toContainEqual({ name: 'jwks', mountPath: '/etc/once/jwks', readOnly: true });
  });

  it('run each built-in subgraph as its own Deployment with /live and /ready probes and a Service, and the migrations as a Job', () => {
    for (const { name } of builtInSubgraphs) {
      const container = find('Deployment', `once-${name}`)?.spec?.template?.spec.containers[0];
      expect(container?.args).toEqual([`dist/${subgraphEntry(name)}`]);
      expect([container?.startupProbe?.httpGet?.path, container?.readinessProbe?.httpGet?.path, container?.livenessProbe?.httpGet?.path]).toEqual([
        '/live',
        '/ready',
        '/live',
      ]);
      expect(find('Service', `once-${name}`)).toBeDefined();
    }
    expect(find('Job', 'once-migrate')?.spec?.template?.spec.containers[0]?.args).toEqual(['dist/deploy/migrate.js']);
    expect(find('Service', 'postgres')).toMatchObject({ spec: { type: 'ExternalName', externalName: DEFAULT_OPTIONS.postgresHost } });
    expect(find('Service', 'redis')).toMatchObject({ spec: { type: 'ExternalName', externalName: DEFAULT_OPTIONS.redisHost } });
  });

  it('set METRICS_PORT and expose the metrics listener of each server as the named port the scrape annotations point at', () => {
    expect(find('ConfigMap', 'once-config')).toMatchObject({ data: { METRICS_PORT: '9464' } });
    const expected = {
      'once-gateway': 9464,
      ...Object.fromEntries(builtInSubgraphs.map((module) => [`once-${module.name}`, metricsPort(gatewayConfig.load({ METRICS_PORT: '9464' }), module)])),
    };
    for (const [name, port] of Object.entries(expected)) {
      const template = find('Deployment', name)?.spec?.template;
      expect(template?.metadata?.annotations, name).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(port),
        'prometheus.io/path': '/metrics',
      });
      expect(template?.spec.containers[0]?.ports, name).toContainEqual({ name: 'metrics', containerPort: port });
    }
  });

  it('run every container as non-root on a read-only root file system, with secrets only from Secrets', () => {
    expect(podSpecs).toHaveLength(builtInSubgraphs.length + 2);
    for (const pod of podSpecs) {
      expect(pod.securityContext?.runAsUser).not.toBe(0);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(container.envFrom).toContainEqual({ secretRef: { name: SECRETS.environment } });
        expect(container.env ?? []).toEqual([]);
      }
    }
    expect(documents.some((document) => document.kind === 'Secret')).toBe(false);
    expect(COMMITTED).not.toMatch(/SUBGRAPH_SECRETS|DATABASE_URL|REDIS_URL/);
  });

  it('refuse options that leave the disruption budget nothing to let go', () => {
    expect(() => onceManifests({ ...DEFAULT_OPTIONS, gateway: { ...DEFAULT_OPTIONS.gateway, minReplicas: 1 } })).toThrow(
      /gateway.minReplicas must be at least 2/,
    );
    expect(() => onceManifests({ ...DEFAULT_OPTIONS, gateway: { ...DEFAULT_OPTIONS.gateway, maxReplicas: 2 } })).toThrow(/maxReplicas must not be below/);
  });
});
