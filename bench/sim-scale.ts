// Scale of the simulator.
//  1. HTTP mode: N replicas (default 32) on a real clock at speed 1 and M concurrent streams (default
//     1,000) from a load generator in a child process. Reports how late the replicas' timed events run
//     compared with the simulated clock (the real clock falling behind), tokens delivered per second,
//     and client-side medians next to the virtual-time simulation of the same workload.
//  2. Virtual mode: 100,000 requests; reports wall time.
// Usage: npm run bench:sim [-- --seconds 60 --replicas 32 --streams 1000 --requests 100000 --skip-http --skip-virtual]
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildReplicaModel } from '../src/perfmodel/index.js';
import { createPolicy } from '../src/router/policies/index.js';
import { simulateFleet } from '../src/sim/fleet-sim.js';
import { startSimFleet } from '../src/sim/http/fleet.js';
import { runHttpWorkload, type HttpLoadReport } from '../src/sim/http/load.js';
import { summarize } from '../src/sim/percentiles.js';
import { parseWorkload } from '../src/sim/workload.js';

interface ChildReport extends HttpLoadReport {
  cpuSeconds: number;
}

interface LoadJob {
  urls: string[];
  model: string;
  workload: Record<string, unknown>;
}

const spec = { gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' } as const;

if (process.argv[2] === '--load-child') {
  // The load generator: its own process, so client work does not share the replicas' event loop.
  process.once('message', (job: LoadJob) => {
    const cpu0 = process.cpuUsage();
    void runHttpWorkload({ urls: job.urls, model: job.model, workload: parseWorkload(job.workload), policy: createPolicy('round-robin') }).then((report) => {
      const cpu = process.cpuUsage(cpu0);
      const msg: ChildReport = { ...report, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
      process.send!(msg, () => process.exit(0));
    });
  });
} else {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      replicas: { type: 'string', default: '32' },
      streams: { type: 'string', default: '1000' },
      requests: { type: 'string', default: '100000' },
      'skip-http': { type: 'boolean' },
      'skip-virtual': { type: 'boolean' },
    },
  });
  const model = buildReplicaModel(spec);
  if (!values['skip-http']) await httpScale(model, Number(values.replicas), Number(values.streams), Number(values.seconds));
  if (!values['skip-virtual']) virtualScale(model, Number(values.requests));
}

async function httpScale(model: ReturnType<typeof buildReplicaModel>, replicas: number, streams: number, seconds: number): Promise<void> {
  const workload = { seed: 11, requests: 10_000_000, duration: seconds, arrival: { concurrency: streams }, prompt: 'uniform:256:1024', output: 'uniform:128:384' };
  const fleet = await startSimFleet({ replicas, replicaModel: model });
  console.log(`HTTP mode: ${replicas} replicas (${spec.gpu} ${spec.model}), ${streams} concurrent streams, ~${seconds} s, speed 1`);
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fleet.clock.resetLag();
  const tty = process.stderr.isTTY;
  const probe = setInterval(() => {
    samples.push(fleet.clock.lag().lastMs);
    if (!tty) return;
    const tokens = fleet.replicas.reduce((s, r) => s + r.engine.counters.generationTokens, 0);
    const running = fleet.replicas.reduce((s, r) => s + r.engine.numRunning, 0);
    process.stderr.write(`\r  ${((performance.now() - t0) / 1000).toFixed(0)} s · running ${running} · ${tokens.toLocaleString('en-US')} tokens · lag ${fleet.clock.lag().lastMs.toFixed(1)} ms\x1b[K`);
  }, 250);
  const job: LoadJob = { urls: [...fleet.urls], model: fleet.servedModelName, workload };
  const child = fork(fileURLToPath(import.meta.url), ['--load-child'], { execArgv: ['--import', 'tsx'] });
  child.send(job);
  const report = await new Promise<ChildReport>((resolve, reject) => {
    child.once('message', (m: ChildReport) => resolve(m));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
  clearInterval(probe);
  if (tty) process.stderr.write('\n');
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const lag = fleet.clock.lag();
  const s = summarize(samples);
  const tokens = fleet.replicas.reduce((sum, r) => sum + r.engine.counters.generationTokens, 0);
  const steps = fleet.replicas.reduce((sum, r) => sum + r.engine.counters.steps, 0);
  const serverTtft = meanOf(fleet.replicas.map((r) => r.metrics.ttft.render('x="y"')));
  await fleet.close();
  console.log(`  requests completed ${report.completed} (failed ${report.failed}) in ${wall.toFixed(1)} s`);
  console.log(`  engine steps ${steps.toLocaleString('en-US')} (${(steps / wall).toFixed(0)}/s), tokens streamed ${tokens.toLocaleString('en-US')} (${(tokens / wall).toFixed(0)}/s)`);
  console.log(`  CPU: replicas process ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)}% of one core, load generator ${((report.cpuSeconds / wall) * 100).toFixed(0)}%`);
  console.log(`  server-side TTFT mean (from vllm:time_to_first_token_seconds) ${(serverTtft * 1000).toFixed(1)} ms; client-side TTFT mean ${(report.ttft.mean * 1000).toFixed(1)} ms`);
  console.log(`  event lateness (real behind simulated): mean ${lag.meanMs.toFixed(2)} ms, sampled p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${lag.maxMs.toFixed(1)} ms`);
  console.log(`  lateness at the end: ${lag.lastMs.toFixed(1)} ms = ${((lag.lastMs / 1000 / wall) * 100).toFixed(2)}% of the run`);
  const virt = simulateFleet({
    replicas: Array.from({ length: replicas }, () => model),
    workload: parseWorkload({ ...workload, requests: report.sent }),
    policy: createPolicy('round-robin'),
  });
  const pct = (a: number, b: number): string => `${(((a - b) / b) * 100).toFixed(1)}%`;
  console.log(`  virtual-time TTFT mean ${(virt.ttft.mean * 1000).toFixed(1)} ms; server-side TTFT buckets ${ttftBuckets(fleet.replicas.map((r) => r.metrics.ttft.render('x="y"')))}`);
  console.log(`  tokens/s streamed ${(tokens / wall).toFixed(0)} (over the whole run, ramp and drain included) vs virtual-time throughput ${virt.throughput.outputTokensPerSecond.toFixed(0)}`);
  console.log(`  client time to response headers: p50 ${(report.headers.p50 * 1000).toFixed(1)} ms, p99 ${(report.headers.p99 * 1000).toFixed(1)} ms`);
  console.log(`  client medians vs virtual time: TTFT ${(report.ttft.p50 * 1000).toFixed(1)} ms vs ${(virt.ttft.p50 * 1000).toFixed(1)} ms (${pct(report.ttft.p50, virt.ttft.p50)}), e2e ${report.e2e.p50.toFixed(3)} s vs ${virt.e2e.p50.toFixed(3)} s (${pct(report.e2e.p50, virt.e2e.p50)})`);
}

function ttftBuckets(rendered: string[]): string {
  const acc = new Map<string, number>();
  for (const text of rendered) for (const m of text.matchAll(/le="([^"]+)"\} (\S+)/g)) acc.set(m[1]!, (acc.get(m[1]!) ?? 0) + Number(m[2]));
  return [...acc].filter(([le]) => Number(le) <= 2.5).map(([le, n]) => `≤${le}:${n}`).join(' ');
}

/** Mean of a rendered histogram, summed over replicas. */
function meanOf(rendered: string[]): number {
  let sum = 0;
  let count = 0;
  for (const text of rendered) {
    sum += Number(/_sum\{x="y"\} (\S+)/.exec(text)?.[1] ?? 0);
    count += Number(/_count\{x="y"\} (\S+)/.exec(text)?.[1] ?? 0);
  }
  return count > 0 ? sum / count : NaN;
}

function virtualScale(model: ReturnType<typeof buildReplicaModel>, requests: number): void {
  const cases = [
    { name: 'single-turn, shared prefixes', replicas: 32, workload: { seed: 1, requests, arrival: { rate: 120 }, prompt: 'lognormal:800:0.8', output: 'lognormal:200:0.7', prefix: { groups: 64, tokens: 2048, fraction: 0.5 } } },
    { name: 'multi-turn chats (4 turns)', replicas: 32, workload: { seed: 2, requests, arrival: { rate: 32 }, prompt: 'lognormal:300:0.8', output: 'lognormal:250:0.6', turns: 4, think: 'exp:20' } },
  ];
  for (const c of cases) {
    const r = simulateFleet({ replicas: Array.from({ length: c.replicas }, () => model), workload: parseWorkload(c.workload), policy: createPolicy('least-loaded') });
    console.log(
      `Virtual mode, ${c.name}: ${r.completed.toLocaleString('en-US')} requests on ${c.replicas} replicas, ${r.simulatedSeconds.toFixed(0)} simulated s in ${r.wallSeconds.toFixed(2)} s wall` +
        ` (TTFT p50 ${(r.ttft.p50 * 1000).toFixed(0)} ms, e2e p50 ${r.e2e.p50.toFixed(2)} s, ${r.throughput.outputTokensPerSecond.toFixed(0)} tok/s, prefix hits ${(r.prefixCache.hitRate * 100).toFixed(1)}%)`,
    );
  }
}
