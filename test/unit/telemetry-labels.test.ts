import { describe, expect, it } from 'vitest';
import { audit, canonicalRecord, type AuditEntry } from '../../subgraphs/audit';
import { population } from '../../subgraphs/population';
import { registry } from '../../subgraphs/registry';
import { socialInsurance } from '../../subgraphs/social-insurance';
import { clientLabel, ConfigError, platformConfig, metricsPort, CappedLabel } from '../../platform';

describe('metric labels hold only bounded values', () => {
  it('keeps the first operation names up to its cap, and calls the rest "other"', () => {
    const label = new CappedLabel(2);
    expect([label.of('Profile'), label.of('Enrolment'), label.of('Third'), label.of('Profile')]).toEqual(['Profile', 'Enrolment', 'other', 'Profile']);
  });

  it('calls unnamed, malformed and oversized names "other" without using up the cap', () => {
    const label = new CappedLabel(1);
    for (const hostile of [null, undefined, '', '001090000001', 'a b', 'x"}\n# HELP', 'A'.repeat(65)]) expect(label.of(hostile)).toBe('other');
    expect(label.of('Named')).toBe('Named');
  });

  it('refuses a cap that is not a non-negative integer', () => {
    expect(() => new CappedLabel(-1)).toThrow(/non-negative integer; got -1/);
    expect(() => new CappedLabel(1.5)).toThrow(/got 1.5/);
  });

  it('names clients by id and everyone else by kind, never by personal ID', () => {
    expect(clientLabel('client:portal-dvc-hanoi')).toBe('portal-dvc-hanoi');
    expect(clientLabel('citizen:001090000001')).toBe('citizen');
    expect(clientLabel('anonymous')).toBe('anonymous');
    expect(clientLabel(undefined)).toBe('anonymous');
    expect(clientLabel('client:has spaces" and quotes')).toBe('client');
    expect(clientLabel('Not A Kind:001090000001')).toBe('other');
  });
});

describe('METRICS_PORT and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const env = { SUBGRAPH_SECRETS: '' };

  it('puts each subgraph process at its offset from METRICS_PORT, and the gateway on it', () => {
    const config = platformConfig.load({ ...env, METRICS_PORT: '9464' });
    expect([metricsPort(config), metricsPort(config, population), metricsPort(config, registry), metricsPort(config, socialInsurance)]).toEqual([
      9464, 9465, 9469, 9474,
    ]);
  });

  it('serves no metrics when unset, and free ports everywhere when 0', () => {
    expect(metricsPort(platformConfig.load(env), audit)).toBeNull();
    const zero = platformConfig.load({ ...env, METRICS_PORT: '0' });
    expect([metricsPort(zero), metricsPort(zero, audit)]).toEqual([0, 0]);
  });

  it('refuses values it cannot serve, naming the key', () => {
    for (const value of ['65530', '-1', 'ninety', '1.5']) expect(() => platformConfig.load({ ...env, METRICS_PORT: value })).toThrow(ConfigError);
    expect(() => platformConfig.load({ ...env, METRICS_PORT: '65530' })).toThrow(/METRICS_PORT/);
    expect(() => platformConfig.load({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'file:///etc/passwd' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(platformConfig.load({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:4318');
  });
});

describe('the trace id in the audit chain', () => {
  const entry: AuditEntry = {
    requestId: 'r-1',
    at: '2026-01-01T00:00:00.000Z',
    principal: 'client:portal',
    clientId: 'portal',
    officer: 'officer-1',
    purpose: '1.900011',
    caseNumber: 'HS-1',
    operationName: 'Profile',
    operationHash: 'h',
    coordinates: ['Query.citizen'],
    subjects: ['001090000001'],
    outcome: 'OK',
    errorCodes: [],
    subgraphs: ['population'],
    durationMs: 3,
    sentToSubgraphs: [],
  };

  it('leaves the hashed form of records without one as it was', () => {
    expect(canonicalRecord(7, { ...entry, traceId: null })).toBe(canonicalRecord(7, entry));
    expect(JSON.parse(canonicalRecord(7, { ...entry, keyId: 'k' }))).toHaveLength(20);
  });

  it('is hashed, after the other added fields, when set', () => {
    const traceId = 'ab'.repeat(16);
    const hashed = JSON.parse(canonicalRecord(7, { ...entry, traceId })) as unknown[];
    expect(hashed.slice(-5)).toEqual([null, null, null, [], traceId]);
  });
});
