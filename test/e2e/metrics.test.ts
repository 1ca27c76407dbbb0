import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSigningKey } from '../../subgraphs/audit';
import { startMetricsServer, type RunningMetricsServer } from '../../platform';
import { one, silentLog } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let metrics: RunningMetricsServer;
let subject: string;
/** Every 12-digit personal ID some response carried. */
const returnedIds = new Set<string>();

const PROFILE = `query Profile($id: ID!) { citizen(personalId: $id) { personalId fullName household { members { citizen { personalId fullName } } } documents { number } } }`;

beforeAll(async () => {
  // The stack serves in this process, so its gateway and subgraphs count into the metrics server started here.
  // An audit key and a day between checkpoints: the first commit is checkpointed, the later ones wait (the lag).
  const auditKeyFile = join(mkdtempSync(join(tmpdir(), 'once-metrics-audit-')), 'audit.pem');
  ensureSigningKey(auditKeyFile);
  stack = await startTestStack({ ENTITY_CACHE_TTL_S: '60', RATE_LIMIT_PER_MINUTE: '6', AUDIT_SIGNING_KEY_FILE: auditKeyFile, AUDIT_CHECKPOINT_MS: '86400000' });
  metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, log: silentLog });
  subject = await one(
    stack.db,
    `SELECT m.personal_id AS value FROM residence.household_members m
    WHERE m.left_on IS NULL AND (SELECT count(*) FROM residence.household_members o WHERE o.household_id = m.household_id AND o.left_on IS NULL) >= 3 ORDER BY 1 LIMIT 1`,
  );
  for (let round = 0; round < 3; round += 1) {
    const response = await stack.graphql(PROFILE, { id: subject });
    expect(response.errors).toBeUndefined();
    for (const id of JSON.stringify(response.data).match(/\d{12}/g) ?? []) returnedIds.add(id);
  }
  expect((await postGraphQL(stack.gatewayUrl, { query: PROFILE, variables: { id: subject } })).status).toBe(401);
  // The portal's limit is 6 a minute: the rest are refused.
  const statuses = await Promise.all([0, 1, 2, 3].map(async () => (await stack.graphql(PROFILE, { id: subject })).status));
  expect(statuses).toContain(429);
});
afterAll(async () => {
  await metrics?.stop();
  await stack?.stop();
});

async function scrape(): Promise<string> {
  const response = await fetch(metrics.url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of the sample with exactly these labels (in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const pairs = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.keys(pairs).length === Object.keys(labels).length && Object.entries(labels).every(([key, value]) => pairs[key] === value))
      return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics on the metrics port', () => {
  it('counts requests by service, operation, outcome and client, with latency buckets', async () => {
    const text = await scrape();
    const client = stack.portal.clientId;
    expect(sample(text, 'once_request_duration_seconds_count', { service: 'gateway', operation: 'Profile', outcome: 'OK', client })).toBeGreaterThanOrEqual(3);
    expect(
      sample(text, 'once_request_duration_seconds_bucket', { service: 'gateway', operation: 'Profile', outcome: 'OK', client, le: '+Inf' }),
    ).toBeGreaterThanOrEqual(3);
    // The subgraphs see the gateway's fetches (named after the client's operation by the query planner), for the client it forwarded.
    expect(
      sample(text, 'once_request_duration_seconds_count', { service: 'population', operation: 'Profile__population__0', outcome: 'OK', client }),
    ).toBeGreaterThanOrEqual(3);
    // Refused before execution: unauthenticated (client unknown) and rate-limited (client known).
    expect(sample(text, 'once_refusals_total', { service: 'gateway', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'once_refusals_total', { service: 'gateway', code: 'RATE_LIMITED' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'once_request_duration_seconds_count', { service: 'gateway', operation: 'other', outcome: 'REFUSED', client: 'anonymous' })).toBe(1);
  });

  it('shows subgraph fetches, the audit log, the caches and the supergraph served', async () => {
    const text = await scrape();
    for (const subgraph of ['population', 'residence', 'procedures'])
      expect(sample(text, 'once_subgraph_fetch_duration_seconds_count', { subgraph, result: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'once_audit_commit_duration_seconds_count', { result: 'ok' })).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'once_audit_queue_depth', {})).toBeUndefined();
    expect(text).toMatch(/^once_audit_queue_depth \d+$/m);
    // Three reads made after the first commit was checkpointed wait for the next checkpoint.
    expect(Number(/^once_audit_checkpoint_lag_records (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'once_query_plan_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'once_query_plan_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(2);
    // The second and third reads of the same citizen come from the entity cache.
    expect(sample(text, 'once_entity_cache_lookups_total', { namespace: 'population:citizen', result: 'hit' })).toBeGreaterThanOrEqual(1);
    const served = (await fetch(stack.gatewayUrl.replace('/graphql', '/health')).then((response) => response.json())) as { supergraph: string };
    expect(sample(text, 'once_supergraph_info', { supergraph: served.supergraph, version: 'fixed' })).toBe(1);
    expect(text).toMatch(/^process_cpu_user_seconds_total \S+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \S+$/m);
  });

  it('carries no personal ID in any label or value', async () => {
    const text = await scrape();
    expect(returnedIds.size).toBeGreaterThan(1);
    for (const id of returnedIds) expect(text).not.toContain(id);
    expect(text).not.toContain('citizen:');
    expect(text).not.toContain('CASE-1');
  });

  it('serves nothing but GET /metrics', async () => {
    const base = metrics.url.replace('/metrics', '');
    expect((await fetch(`${base}/graphql`)).status).toBe(404);
    expect((await fetch(metrics.url, { method: 'POST', body: 'x' })).status).toBe(404);
    expect(await (await fetch(`${base}/../../etc/passwd`)).text()).toBe('Only GET /metrics is served here\n');
  });
});
