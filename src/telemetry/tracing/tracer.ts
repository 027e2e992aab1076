// Traces requests: one SERVER span per request with child spans (admission, queue, routing, each
// upstream attempt), continued from the client's traceparent and continued again by the engines.
// The pipeline holds `RequestTrace | undefined`: with tracing off (or a request not sampled) every
// tracing call is an optional call on undefined, so nothing is allocated.
import { OtlpExporter, type OtlpExporterOptions } from './otlp-exporter.js';
import { epochMs, Span, SpanKind } from './span.js';
import { formatTraceparent, newTraceId, parseTraceparent } from './trace-context.js';

export interface TracerOptions extends OtlpExporterOptions {
  /** Share of requests traced when the client sent no traceparent (a client's decision is kept). */
  readonly sample: number;
}

export class Tracer {
  readonly exporter: OtlpExporter;

  constructor(private readonly o: TracerOptions) {
    this.exporter = new OtlpExporter(o);
  }

  /** A trace for one request (its root span named `name`, started at `arrivedAt`), or undefined when not sampled. */
  start(traceparent: string | string[] | undefined, name: string, arrivedAt: number): RequestTrace | undefined {
    const parent = parseTraceparent(traceparent);
    if (parent ? !parent.sampled : Math.random() >= this.o.sample) return undefined;
    return new RequestTrace(this.exporter, parent?.traceId ?? newTraceId(), parent?.spanId, name, epochMs(arrivedAt));
  }

  close(): Promise<void> {
    return this.exporter.close();
  }
}

export class RequestTrace {
  readonly root: Span;
  private readonly spans: Span[];

  constructor(
    private readonly exporter: OtlpExporter,
    readonly traceId: string,
    parentSpanId: string | undefined,
    name: string,
    startMs: number,
  ) {
    this.root = new Span(traceId, parentSpanId, name, SpanKind.server, startMs);
    this.spans = [this.root];
  }

  /** A child of the request's span, started now. */
  child(name: string, kind: SpanKind = SpanKind.internal): Span {
    const s = new Span(this.traceId, this.root.spanId, name, kind);
    this.spans.push(s);
    return s;
  }

  /** The traceparent an engine gets for the attempt `span`. */
  traceparent(span: Span): string {
    return formatTraceparent(this.traceId, span.spanId);
  }

  /** Ends the request's span (and any child left open) and hands the spans to the exporter. */
  finish(): void {
    const now = epochMs(performance.now());
    for (const s of this.spans) s.end(now);
    this.exporter.add(this.spans);
  }
}
