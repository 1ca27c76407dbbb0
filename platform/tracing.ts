import { createRequire } from 'node:module';
import { context, INVALID_SPAN_CONTEXT, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then a span per request (this module), per
 * plan, subgraph fetch and execution (@apollo/gateway's own spans), per audit commit, and per SQL statement (pg
 * instrumentation; PGlite runs in-process and has none). W3C trace context travels to the subgraphs in
 * `traceparent`. Off, every call here is a no-op of the OpenTelemetry API.
 */

const tracer = trace.getTracer('once');

export interface TracingOptions {
  /** The service name spans carry (gateway, population, ...). */
  service: string;
  /** OTLP/HTTP endpoint, as in OTEL_EXPORTER_OTLP_ENDPOINT: spans go to `<endpoint>/v1/traces`. */
  endpoint?: string | undefined;
  /** Spans go here instead, each as it ends (tests: an in-memory exporter). */
  exporter?: SpanExporter;
}

/** The span of one incoming request, and how to run its handling inside it. */
export interface RequestSpan {
  span: Span;
  run: <T>(work: () => T) => T;
}

export interface Tracing {
  /** Exports the spans still buffered, then stops tracing. */
  stop(): Promise<void>;
}

/**
 * Starts tracing for this process when an endpoint (or exporter) is given; null when tracing stays off. The SDK is
 * loaded only then, so that a process without tracing neither loads it nor hooks `require`.
 */
export async function startTracing({ service, endpoint, exporter }: TracingOptions): Promise<Tracing | null> {
  if (!endpoint && !exporter) return null;
  const [
    { OTLPTraceExporter },
    { registerInstrumentations },
    { PgInstrumentation },
    { resourceFromAttributes },
    { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor },
  ] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${String(endpoint).replace(/\/+$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [processor] });
  provider.register();
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations: [new PgInstrumentation({ requireParentSpan: true })] });
  // pg is usually imported (ESM) before tracing starts; requiring it now lets the instrumentation patch the module
  // every importer shares, instead of only later requires.
  createRequire(import.meta.url)('pg');
  return {
    async stop() {
      unregister();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The trace id of the active span; null when tracing is off or no span is active. */
export function currentTraceId(): string | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

/** Adds the active trace context (`traceparent`) to outgoing headers. */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/**
 * Starts the span of one incoming HTTP request. `trustParent`: continue the caller's trace (`traceparent`, a subgraph
 * called by the gateway); otherwise a new trace starts (the gateway: a caller must not choose the trace id its audit
 * record carries).
 */
export function startRequestSpan(name: string, headers: Record<string, string | string[] | undefined>, trustParent: boolean): RequestSpan {
  const parent = trustParent ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
  const active = trace.setSpan(parent, span);
  return { span, run: (work) => context.with(active, work) };
}

/** A request that is not traced (health probes, which would bury the traces worth reading). */
export function untracedRequest(): RequestSpan {
  return { span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT), run: (work) => work() };
}

/** Runs `work` in a span of its own (a child of the active one), ended and marked failed when `work` throws. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanStatusCode };
