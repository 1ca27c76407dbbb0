import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { auditKeyFile, auditWitnessFile } from '../../subgraphs/audit';
import { subgraphConfig } from '../../subgraphs/kit';
import { metricsPort } from '../../platform';
import { gatewayConfig } from '../../gateway';
import { DEFAULT_OPTIONS, onceManifests, renderManifests, SECRETS, subgraphEntry, type KubernetesObject } from '../../deploy';

const COMMITTED = readFileSync(new URL('../../deploy/kubernetes/once.yaml', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The typed model, with its schema, for each kind the manifests use: how a document of the YAML file is checked. */
const MODELS: Record<string, new (data: never) => KubernetesObject> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
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
const podOf = (name: string) => (find('Deployment', name) as Document).spec?.template?.spec as IPodSpec;
/** What the gateway and the audit subgraph read from the ConfigMap, through their own configuration schemas. */
const configMapData = (find('ConfigMap', 'once-config') as unknown as ConfigMap).data ?? {};
const gatewaySettings = gatewayConfig.load(configMapData);
const auditSettings = subgraphConfig.load(configMapData);

/** The container's mount that holds `path` (the deepest one), and the pod volume it mounts. */
function mountOf(pod: IPodSpec, container: IContainer, path: string) {
  const mount = (container.volumeMounts ?? [])
    .filter(({ mountPath }) => path === mountPath || path.startsWith(`${mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return { mount, volume: pod.volumes?.find((volume) => volume.name === mount?.name) };
}

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
    expect(COMMITTED).not.toMatch(/SUBGRAPH_SECRETS|DATABASE_URL|REDIS_URL|PRIVATE KEY/);
  });

  it('give the gateway the audit signing key from a read-only mount of the audit-key Secret, and the audit subgraph its public half only', () => {
    const keyFile = auditKeyFile(gatewaySettings);
    expect(keyFile).toBe(gatewaySettings.AUDIT_SIGNING_KEY_FILE);
    const gateway = podOf('once-gateway');
    const signer = mountOf(gateway, gateway.containers[0] as IContainer, keyFile);
    expect(signer.mount).toMatchObject({ mountPath: dirname(keyFile), readOnly: true });
    expect(signer.volume?.secret).toMatchObject({ secretName: SECRETS.auditKey });
    expect(signer.volume?.secret?.items).toBeUndefined();

    const publicHalf = `${basename(auditKeyFile(auditSettings))}.pub`;
    const audit = podOf('once-audit');
    const verifier = mountOf(audit, audit.containers[0] as IContainer, `${auditKeyFile(auditSettings)}.pub`);
    expect(verifier.mount?.readOnly).toBe(true);
    expect(verifier.volume?.secret).toMatchObject({ secretName: SECRETS.auditKey, items: [{ key: publicHalf, path: publicHalf }] });

    const holders = documents.filter((document) => document.spec?.template?.spec.volumes?.some((volume) => volume.secret?.secretName === SECRETS.auditKey));
    expect(holders.map((document) => document.metadata.name).sort()).toEqual(['once-audit', 'once-gateway']);
    // The README's command makes the Secret's keys the file names the processes read.
    expect(README).toContain(`create secret generic ${SECRETS.auditKey} --from-file=${basename(keyFile)} --from-file=${publicHalf}`);
  });

  it('write only to mounted writable volumes: scratch in /tmp, and the audit witness on a claim that outlives pods, which the audit subgraph reads', () => {
    const witnessFile = auditWitnessFile(gatewaySettings);
    for (const document of documents) {
      const pod = document.spec?.template?.spec;
      if (!pod) continue;
      const writes = document.metadata.name === 'once-gateway' ? ['/tmp', witnessFile] : ['/tmp'];
      for (const container of pod.containers) {
        for (const path of writes) {
          const { mount, volume } = mountOf(pod, container, path);
          expect(mount, `${document.metadata.name} writes ${path}`).toBeDefined();
          expect(mount?.readOnly ?? false, `${document.metadata.name} writes ${path}`).toBe(false);
          expect(volume?.emptyDir ?? volume?.persistentVolumeClaim, `${document.metadata.name} writes ${path}`).toBeDefined();
        }
      }
    }
    const gateway = podOf('once-gateway');
    const claim = mountOf(gateway, gateway.containers[0] as IContainer, witnessFile).volume?.persistentVolumeClaim?.claimName ?? '';
    expect(find('PersistentVolumeClaim', claim)).toMatchObject({ spec: { accessModes: ['ReadWriteMany'] } });
    const audit = podOf('once-audit');
    const reader = mountOf(audit, audit.containers[0] as IContainer, auditWitnessFile(auditSettings));
    expect(reader.mount?.readOnly).toBe(true);
    expect(reader.volume?.persistentVolumeClaim?.claimName).toBe(claim);
  });

  it("send checkpoints to the auditors' own witnesses and put the witness claim in a storage class when the options say so", () => {
    expect(gatewaySettings.AUDIT_WITNESS_URLS).toEqual([]);
    const urls = ['https://witness.thanhtra.gov.vn/once/', 'http://10.20.0.9:4900/'];
    const objects = onceManifests({ ...DEFAULT_OPTIONS, auditWitness: { storageClassName: 'cephfs', size: '20Gi', urls } });
    const configMap = objects.find((object) => object.kind === 'ConfigMap') as ConfigMap;
    expect(gatewayConfig.load(configMap.data ?? {}).AUDIT_WITNESS_URLS).toEqual(urls);
    const claim = objects.find((object) => object.kind === 'PersistentVolumeClaim') as PersistentVolumeClaim;
    expect(claim.spec).toMatchObject({ storageClassName: 'cephfs', resources: { requests: { storage: '20Gi' } } });
  });

  it('refuse options that leave the disruption budget nothing to let go', () => {
    expect(() => onceManifests({ ...DEFAULT_OPTIONS, gateway: { ...DEFAULT_OPTIONS.gateway, minReplicas: 1 } })).toThrow(
      /gateway.minReplicas must be at least 2/,
    );
    expect(() => onceManifests({ ...DEFAULT_OPTIONS, gateway: { ...DEFAULT_OPTIONS.gateway, maxReplicas: 2 } })).toThrow(/maxReplicas must not be below/);
  });
});
