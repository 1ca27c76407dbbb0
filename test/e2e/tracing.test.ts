import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chainHash, readChain, verifyChain } from '../../subgraphs/audit';
import { startTracing, type Tracing } from '../../platform';
import { one } from '../helpers/database';
import { startTestStack, type TestStack } from '../helpers/stack';

const exporter = new InMemorySpanExporter();
let tracing: Tracing | null;
let stack: TestStack;
let subject: string;

const PROFILE = `query Profile($id: ID!) { citizen(personalId: $id) { fullName permanentResidence { registeredOn } documents { number } } }`;

beforeAll(async () => {
  tracing = await startTracing({ service: 'once-test', exporter });
  stack = await startTestStack();
  subject = await one(
    stack.db,
    `SELECT d.holder_id AS value FROM procedures.issued_documents d JOIN residence.household_members m ON m.personal_id = d.holder_id ORDER BY 1 LIMIT 1`,
  );
});
afterAll(async () => {
  await stack?.stop();
  await tracing?.stop();
});

/** The spans of the trace the gateway started for the request with this id, once its request span has ended. */
async function traceOf(requestId: string): Promise<ReadableSpan[]> {
  const [record] = await stack.db.query<{ trace_id: string | null }>('SELECT trace_id FROM audit.records WHERE request_id = $1', [requestId]);
  const traceId = record?.trace_id ?? '';
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  return vi.waitFor(() => {
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    expect(spans.map((span) => span.name)).toContain('gateway POST');
    return spans;
  });
}

/** Whether `span` descends from a span named `ancestor` within `spans`. */
function descendsFrom(span: ReadableSpan, ancestor: string, spans: readonly ReadableSpan[]): boolean {
  const byId = new Map(spans.map((each) => [each.spanContext().spanId, each]));
  for (let parent = byId.get(span.parentSpanContext?.spanId ?? ''); parent; parent = byId.get(parent.parentSpanContext?.spanId ?? '')) {
    if (parent.name === ancestor) return true;
  }
  return false;
}

describe('a trace of one request', () => {
  it('spans the gateway (request, plan, fetches), the subgraphs, their SQL and the audit commit', async () => {
    exporter.reset();
    const response = await stack.graphql(PROFILE, { id: subject });
    expect(response.errors).toBeUndefined();
    const spans = await traceOf(response.headers.get('x-request-id') ?? '');
    const names = spans.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'gateway POST',
        'gateway.request',
        'gateway.plan',
        'gateway.execute',
        'gateway.fetch',
        'audit.commit',
        'population POST',
        'residence POST',
        'procedures POST',
      ]),
    );
    // Each subgraph continued the trace from the gateway's fetch (traceparent), and ran its SQL inside it.
    for (const subgraph of ['population', 'residence', 'procedures']) {
      const served = spans.find((span) => span.name === `${subgraph} POST`);
      expect(served && descendsFrom(served, 'gateway.fetch', spans)).toBe(true);
      expect(spans.some((span) => span.name.startsWith('pg.query') && descendsFrom(span, `${subgraph} POST`, spans))).toBe(true);
    }
    // The audit record is written in the trace too, its SQL included.
    const commit = spans.find((span) => span.name === 'audit.commit');
    expect(commit && descendsFrom(commit, 'gateway POST', spans)).toBe(true);
    expect(spans.some((span) => span.name.startsWith('pg.query') && descendsFrom(span, 'audit.commit', spans))).toBe(true);
    // Nothing of the request's data in span attributes: no personal ID anywhere.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(subject);
  });

  it('keeps the trace id in the audit record under the chain hash', async () => {
    const response = await stack.graphql(PROFILE, { id: subject });
    const requestId = response.headers.get('x-request-id') ?? '';
    const seq = await one<number>(stack.db, 'SELECT seq AS value FROM audit.records WHERE request_id = $1', [requestId]);
    expect(await verifyChain(stack.db, { fromSeq: seq, toSeq: seq, publicKey: null, witnesses: [] })).toMatchObject({ ok: true, checked: 1 });
    const [record] = await readChain(stack.db, seq, seq, 1);
    expect(record?.traceId).toMatch(/^[0-9a-f]{32}$/);
    // Another trace id would be another hash: an edit of the column is found like an edit of any other field.
    if (record) expect(chainHash(record.previousHash, seq, { ...record, traceId: '0'.repeat(32) })).not.toBe(record.hash);
  });

  it('leaves health probes out of the traces', async () => {
    exporter.reset();
    expect((await fetch(stack.gatewayUrl.replace('/graphql', '/health'))).status).toBe(200);
    const response = await stack.graphql(PROFILE, { id: subject });
    await traceOf(response.headers.get('x-request-id') ?? '');
    expect(exporter.getFinishedSpans().map((span) => span.name)).not.toContain('gateway GET');
  });

  it('does not let a caller choose the trace id its audit record carries', async () => {
    const forged = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    const response = await stack.graphql(PROFILE, { id: subject }, { ...stack.portal.headers, traceparent: forged });
    expect(response.errors).toBeUndefined();
    const traceId = await one<string>(stack.db, 'SELECT trace_id AS value FROM audit.records WHERE request_id = $1', [
      response.headers.get('x-request-id') ?? '',
    ]);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('ab'.repeat(16));
  });
});
