// Exports spans as OTLP/HTTP JSON (POST {endpoint}/v1/traces), in batches, off the request path.
// Bounded: past max_queue spans waiting, new ones are dropped and counted (a collector outage must not
// grow the gateway's memory). Our own few lines instead of the OpenTelemetry SDK: no context manager,
// no per-span objects beyond the span itself (see docs/deploy.md for the measured overhead).
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

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean } | { arrayValue: { values: OtlpValue[] } };

function value(v: AttributeValue): OtlpValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
}

const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

export function otlpJson(spans: readonly Span[], serviceName: string, serviceVersion = '0'): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }, { key: 'service.version', value: { stringValue: serviceVersion } }] },
        scopeSpans: [
          {
            scope: { name: 'relais', version: serviceVersion },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.endMs || s.startMs),
              attributes: s.attributes.map(([key, v]) => ({ key, value: value(v) })),
              status: s.status === 2 ? { code: 2, message: s.statusMessage ?? '' } : { code: s.status },
            })),
          },
        ],
      },
    ],
  });
}

export class OtlpExporter {
  private queue: Span[] = [];
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
    this.timer = setInterval(() => void this.flush(), o.intervalMs ?? 1_000);
    this.timer.unref();
  }

  add(spans: readonly Span[]): void {
    const room = (this.o.maxQueue ?? 4_096) - this.queue.length;
    if (room < spans.length) this.dropped += spans.length - Math.max(0, room);
    for (let i = 0; i < spans.length && i < room; i++) this.queue.push(spans[i] as Span);
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

  private async send(batch: Span[]): Promise<void> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.o.headers },
        body: otlpJson(batch, this.o.serviceName, this.o.serviceVersion),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`collector answered ${res.status}`);
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
  }
}
