// Drives a workload against OpenAI-compatible endpoints over HTTP (simulated replicas in tests and the
// scale benchmark) and measures client-side latencies, scaled to simulated seconds by `speed`.
import { Agent, request } from 'undici';
import type { ReplicaLoad, RoutingPolicy } from '../../router/policies/policy.js';
import { summarize, type Summary } from '../percentiles.js';
import { RealClock } from '../real-clock.js';
import { driveWorkload } from '../workload-driver.js';
import type { Workload } from '../workload.js';
import { promptText } from './prompt-text.js';

export interface HttpLoadOptions {
  readonly urls: readonly string[];
  readonly model: string;
  readonly workload: Workload;
  readonly policy: RoutingPolicy;
  /** The replicas' speed factor: latencies are reported in simulated seconds. */
  readonly speed?: number;
  readonly maxModelLen?: number;
  /** Sent with every request (an API key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tags every prompt block (see promptText): runs with different salts share no prefix. */
  readonly salt?: string;
  /** Called on each request completion. */
  readonly onDone?: (completed: number) => void;
}

export interface HttpLoadReport {
  readonly sent: number;
  readonly completed: number;
  readonly failed: number;
  readonly ttft: Summary;
  /** Time to response headers (request transit and server admission). */
  readonly headers: Summary;
  readonly e2e: Summary;
  readonly outputTokens: number;
  readonly wallSeconds: number;
}

class Target implements ReplicaLoad {
  inFlight = 0;
  readonly waiting = 0;
  readonly running = 0;
  readonly kvUsage = 0;
  constructor(readonly url: string) {}
}

export async function runHttpWorkload(o: HttpLoadOptions): Promise<HttpLoadReport> {
  const speed = o.speed ?? 1;
  const clock = new RealClock(speed);
  const dispatcher = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
  const targets = o.urls.map((u) => new Target(u));
  const requestHeaders = { 'content-type': 'application/json', ...o.headers };
  const ttft: number[] = [];
  const headers: number[] = [];
  const e2e: number[] = [];
  let completed = 0;
  let failed = 0;
  let outputTokens = 0;
  let inFlight = 0;
  const wall0 = performance.now();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let allSent = false;

  const one = async (url: string, body: string, maxTokens: number): Promise<void> => {
    const t0 = performance.now();
    const res = await request(`${url}/v1/completions`, { method: 'POST', body, headers: requestHeaders, dispatcher });
    const th = performance.now();
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`HTTP ${res.statusCode}`);
    }
    let first = -1;
    for await (const _chunk of res.body) if (first < 0) first = performance.now();
    const t1 = performance.now();
    ttft.push(((first - t0) / 1000) * speed);
    headers.push(((th - t0) / 1000) * speed);
    e2e.push(((t1 - t0) / 1000) * speed);
    outputTokens += maxTokens;
  };

  const route = { promptTokens: 0, prefixHashes: [] as number[] };
  const driver = driveWorkload(
    o.workload,
    clock,
    (r, done) => {
      route.promptTokens = r.promptTokens;
      const t = targets[o.policy.pick(route, targets)]!;
      const body = JSON.stringify({ model: o.model, prompt: promptText(r, o.salt), max_tokens: r.outputTokens, stream: true });
      t.inFlight++;
      inFlight++;
      one(t.url, body, r.outputTokens).then(
        () => completed++,
        () => failed++,
      ).finally(() => {
        t.inFlight--;
        inFlight--;
        o.onDone?.(completed);
        done();
        if (inFlight === 0 && allSent) finish();
      });
    },
    o.maxModelLen ?? Number.MAX_SAFE_INTEGER,
  );
  // The driver stops issuing once `requests` are planned; wait until everything has come back.
  const poll = setInterval(() => {
    if (driver.sent + driver.dropped >= o.workload.requests || (o.workload.duration !== undefined && clock.now() > o.workload.duration)) {
      allSent = true;
      if (inFlight === 0) finish();
    }
  }, 20);
  await finished;
  clearInterval(poll);
  clock.stop();
  await dispatcher.close();
  return { sent: driver.sent, completed, failed, ttft: summarize(ttft), headers: summarize(headers), e2e: summarize(e2e), outputTokens, wallSeconds: (performance.now() - wall0) / 1000 };
}
