// Exports spans as OTLP/HTTP JSON (POST {endpoint}/v1/traces), in batches, off the request path.
// Bounded: past max_queue spans waiting, new ones are dropped and counted (a collector outage must not
// grow the gateway's memory). Our own few lines instead of the OpenTelemetry SDK: no context manager,
// no per-span objects beyond the span itself, spans written as JSON when their request ends
// (docs/deploy.md has the measured overhead).
import { Pool } from 'undici';
import type { AttributeValue, Span } from './span.js';

export interface OtlpExporterOptions {
  /** Collector base URL (…:4318); /v1/traces is added unless the URL already ends with it. */
  readonly endpoint: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly serviceName: string;
  readonly serviceVersion?: string | undefined;
  readonly intervalMs?: number | undefined;
  readonly maxBatch?: number | undefined;
  readonly maxQueue?: number | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

function value(v: AttributeValue): string {
  if (typeof v === 'string') return `{"stringValue":${JSON.stringify(v)}}`;
  if (typeof v === 'boolean') return `{"boolValue":${v}}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `{"intValue":"${v}"}` : Number.isFinite(v) ? `{"doubleValue":${v}}` : `{"stringValue":"${v}"}`;
  return `{"arrayValue":{"values":[${v.map((x) => `{"stringValue":${JSON.stringify(x)}}`).join(',')}]}}`;
}

const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/**
 * One span as OTLP JSON, written when its request ends: the export queue holds short strings, not
 * span objects that would live until the next batch (less for the garbage collector to move).
 */
export function spanJson(s: Span): string {
  let attrs = '';
  for (const [key, v] of s.attributes) attrs += `${attrs ? ',' : ''}{"key":"${key}","value":${value(v)}}`;
  const status = s.status === 2 ? `{"code":2,"message":${JSON.stringify(s.statusMessage ?? '')}}` : `{"code":${s.status}}`;
  return (
    `{"traceId":"${s.traceId}","spanId":"${s.spanId}",${s.parentSpanId ? `"parentSpanId":"${s.parentSpanId}",` : ''}` +
    `"name":${JSON.stringify(s.name)},"kind":${s.kind},"startTimeUnixNano":"${nanos(s.startMs)}","endTimeUnixNano":"${nanos(s.endMs || s.startMs)}",` +
    `"attributes":[${attrs}],"status":${status}}`
  );
}

/** An ExportTraceServiceRequest (OTLP/HTTP JSON) of spans already written by spanJson. */
export function otlpJson(spans: readonly string[], serviceName: string, serviceVersion = '0'): string {
  const resource = `{"attributes":[{"key":"service.name","value":{"stringValue":${JSON.stringify(serviceName)}}},{"key":"service.version","value":{"stringValue":${JSON.stringify(serviceVersion)}}}]}`;
  return `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":{"name":"relais","version":${JSON.stringify(serviceVersion)}},"spans":[${spans.join(',')}]}]}]}`;
}

export class OtlpExporter {
  private queue: string[] = [];
  private readonly pool: Pool;
  private readonly path: string;
  private readonly url: string;
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | undefined;
  private lastWarn = 0;
  /** Spans dropped because the queue was full or the collector refused them. */
  dropped = 0;
  exported = 0;

  constructor(private readonly o: OtlpExporterOptions) {
    const base = o.endpoint.replace(/\/+$/, '');
    this.url = base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
    const u = new URL(this.url);
    this.pool = new Pool(u.origin, { connections: 2, keepAliveTimeout: 30_000 });
    this.path = u.pathname + u.search;
    this.timer = setInterval(() => void this.flush(), o.intervalMs ?? 1_000);
    this.timer.unref();
  }

  add(spans: readonly Span[]): void {
    const room = (this.o.maxQueue ?? 4_096) - this.queue.length;
    if (room < spans.length) this.dropped += spans.length - Math.max(0, room);
    for (let i = 0; i < spans.length && i < room; i++) this.queue.push(spanJson(spans[i] as Span));
    if (this.queue.length >= (this.o.maxBatch ?? 512) && !this.sending) void this.flush();
  }

  /** Sends what is queued (one request at a time); resolves when done. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.o.maxBatch ?? 512);
    this.sending = this.send(batch).finally(() => (this.sending = undefined));
    await this.sending;
  }

  private async send(batch: string[]): Promise<void> {
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.o.headers },
        body: otlpJson(batch, this.o.serviceName, this.o.serviceVersion),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      if (res.statusCode >= 300) throw new Error(`collector answered ${res.statusCode}`);
      this.exported += batch.length;
    } catch (err) {
      this.dropped += batch.length;
      const now = Date.now();
      if (now - this.lastWarn > 10_000) {
        this.lastWarn = now;
        (this.o.warn ?? console.warn)(`relais tracing: exporting ${batch.length} spans to ${this.url} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.pool.close();
  }
}
