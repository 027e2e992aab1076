// A small Prometheus registry: counters, gauges and histograms keyed by label values.
// Label keys are built once per observation from a fixed label order — no per-scrape allocation games.

type Labels = readonly string[];

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: Labels, values: Labels, extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escape(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: Labels,
  ) {}
  abstract render(): string;
  protected header(type: string): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${type}\n`;
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  inc(labels: Labels = [], by = 1): void {
    const key = labels.join('\u0000');
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  get(labels: Labels = []): number {
    return this.values.get(labels.join('\u0000'))?.value ?? 0;
  }
  /** Every series (label values and count), for in-process readers such as the console's live view. */
  all(): IterableIterator<{ readonly labels: Labels; readonly value: number }> {
    return this.values.values();
  }
  render(): string {
    let out = this.header('counter');
    for (const { labels, value } of this.values.values()) out += `${this.name}${labelText(this.labelNames, labels)} ${value}\n`;
    return out;
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  set(labels: Labels, value: number): void {
    const key = labels.join('\u0000');
    const cur = this.values.get(key);
    if (cur) cur.value = value;
    else this.values.set(key, { labels, value });
  }
  add(labels: Labels, by: number): void {
    const key = labels.join('\u0000');
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  render(): string {
    let out = this.header('gauge');
    for (const { labels, value } of this.values.values()) out += `${this.name}${labelText(this.labelNames, labels)} ${value}\n`;
    return out;
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    labelNames: Labels,
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  observe(labels: Labels, value: number): void {
    const key = labels.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) {
        s.counts[i] = (s.counts[i] as number) + 1;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }
  /** Every series with its per-bucket (not cumulative) counts, for in-process readers. */
  all(): IterableIterator<{ readonly labels: Labels; readonly counts: readonly number[]; readonly count: number }> {
    return this.series.values();
  }
  render(): string {
    let out = this.header('histogram');
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.counts[i] as number;
        out += `${this.name}_bucket${labelText(this.labelNames, s.labels, `le="${b}"`)} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, s.labels, 'le="+Inf"')} ${s.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, s.labels)} ${s.sum}\n`;
      out += `${this.name}_count${labelText(this.labelNames, s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The gateway's own metrics. */
export function createGatewayMetrics(registry = new Registry()) {
  return {
    registry,
    requests: registry.register(new Counter('relais_requests_total', 'Requests by model, backend, endpoint, status (499: the client left) and outcome', ['model', 'backend', 'endpoint', 'status', 'outcome'])),
    errors: registry.register(new Counter('relais_errors_total', 'Failed requests by model, backend and reason', ['model', 'backend', 'reason'])),
    tokens: registry.register(new Counter('relais_tokens_total', 'Tokens by model, backend and kind (prompt, completion)', ['model', 'backend', 'kind'])),
    ttft: registry.register(new Histogram('relais_time_to_first_token_seconds', 'Time to first token', ['model', 'backend'], latencyBuckets)),
    latency: registry.register(new Histogram('relais_request_duration_seconds', 'End-to-end request latency', ['model', 'backend'], latencyBuckets)),
    inFlight: registry.register(new Gauge('relais_backend_in_flight', 'Requests in flight per backend', ['backend'])),
    healthy: registry.register(new Gauge('relais_backend_healthy', '1 when the backend passes health checks and its breaker is closed', ['backend'])),
    retries: registry.register(new Counter('relais_retries_total', 'Attempts moved to another deployment', ['model', 'from_backend'])),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
