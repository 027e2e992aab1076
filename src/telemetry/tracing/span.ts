// One span as OTLP knows it: ids, name, kind, times, attributes and status. Times are epoch ms (double).
import { newSpanId } from './trace-context.js';

export const SpanKind = { internal: 1, server: 2, client: 3 } as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export type AttributeValue = string | number | boolean | readonly string[];

/** Epoch ms of a performance.now() reading. */
export const epochMs = (perfNow: number): number => performance.timeOrigin + perfNow;

export class Span {
  readonly spanId = newSpanId();
  readonly attributes: [string, AttributeValue][] = [];
  endMs = 0;
  /** OTLP status: 0 unset, 1 ok, 2 error. */
  status: 0 | 1 | 2 = 0;
  statusMessage: string | undefined;

  constructor(
    readonly traceId: string,
    readonly parentSpanId: string | undefined,
    readonly name: string,
    readonly kind: SpanKind,
    readonly startMs = epochMs(performance.now()),
  ) {}

  set(key: string, value: AttributeValue | undefined): this {
    if (value !== undefined) this.attributes.push([key, value]);
    return this;
  }

  fail(message: string, type?: string): this {
    this.status = 2;
    this.statusMessage = message;
    return this.set('error.type', type ?? 'error');
  }

  end(atMs = epochMs(performance.now())): void {
    if (this.endMs === 0) this.endMs = atMs;
  }
}
