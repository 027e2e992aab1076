// npm run bench:scaleout — several gateway processes behind HAProxy, on PostgreSQL + Redis.
//  1. Throughput of 1, 2 and 3 instances behind HAProxy against a fast upstream (a key with a budget,
//     so every request goes through Redis and leaves a usage record in PostgreSQL), with each
//     process's CPU: on a small shared machine the total cannot grow much; requests per gateway
//     CPU-second tell what dedicated cores would give.
//  2. Routing quality with 8 simulated vLLM replicas: prefix-cache hit rate and TTFT p90 for one
//     gateway, three behind HAProxy sharing their routing decisions over Redis (the default), and three
//     without sharing — on a shared-prefix workload and on multi-turn chats.
// Usage: npm run bench:scaleout [-- --seconds 8 --concurrency 64 --requests 600 --only throughput|routing]
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { roundRobin } from '../src/router/policies/round-robin.js';
import { runHttpWorkload } from '../src/sim/http/load.js';
import { parseWorkload } from '../src/sim/workload.js';
import { createKey } from '../test/support/admin-keys.js';
import { CLUSTER_MODEL, prefixCounters, startCluster } from '../test/support/cluster.js';
import { startGateway, type GatewayProcess } from '../test/support/gateway-process.js';
import { startHaproxy } from '../test/support/haproxy.js';
import { cpuMs, freePort, runLoadgen } from './support/child-processes.js';
import { POSTGRES_URL, REDIS_URL, dropSchema, uniqueName } from '../test/store/services.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '64' }, requests: { type: 'string', default: '600' }, only: { type: 'string' } },
});
const MASTER = 'sk-bench-scaleout';
const children: ChildProcess[] = [];
const cpuSecondsOf = (pid: number | undefined): number => cpuMs(pid ?? 0) / 1000;
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));


async function throughput(): Promise<void> {
  const upPort = await freePort();
  const up = spawn(process.execPath, ['--import', tsx, join(root, 'bench/support/fast-upstream.ts'), String(upPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(up);
  await new Promise((r) => up.stdout.once('data', r));
  const schema = uniqueName('relais_bench_scaleout');
  const yaml = `
master_key: ${MASTER}
log_level: error
store: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }
redis: { url: "${REDIS_URL}", prefix: ${uniqueName('relais_bench')} }
health: { interval_ms: 60000 }
backends:
  up: { kind: vllm, url: http://127.0.0.1:${upPort} }
models:
  - name: bench-model
    deployments: [ { backend: up, model: org/Bench-Model-8B-Instruct } ]
    price: { input: 0.1, output: 0.3 }
`;
  const ports = [await freePort(), await freePort(), await freePort()];
  const gateways: GatewayProcess[] = [];
  gateways.push(await startGateway(yaml, { args: ['--listen', `127.0.0.1:${ports[0]}`] }));
  for (const p of ports.slice(1)) gateways.push(await startGateway(yaml, { args: ['--listen', `127.0.0.1:${p}`] }));
  const { key } = await createKey((gateways[0] as GatewayProcess).url, MASTER, { name: 'bench', budget: 1e9 });
  await new Promise((r) => setTimeout(r, 2_500));

  console.log(`\n1. Throughput behind HAProxy — fast upstream, key with a budget (Redis) and usage records (PostgreSQL), concurrency ${values.concurrency}, ${values.seconds} s per run`);
  console.log('   instances  mode            req/s    p50 ms   p99 ms   CPU per instance (cores)      HAProxy   req per gateway CPU-s');
  for (const n of [1, 2, 3]) {
    const lb = await startHaproxy(ports.slice(0, n));
    for (const stream of [false, true]) {
      const procs = gateways.slice(0, n).map((g) => g.proc);
      const c0 = procs.map((p) => cpuSecondsOf(p.pid));
      const h0 = cpuSecondsOf(lb.proc.pid);
      const t0 = performance.now();
      const r = await runLoadgen(`${lb.url}/v1/chat/completions`, { stream, seconds: Number(values.seconds), concurrency: Number(values.concurrency), key });
      const wall = (performance.now() - t0) / 1000;
      const used = procs.map((p, i) => cpuSecondsOf(p.pid) - (c0[i] as number));
      const perCpuSecond = (r.rps * wall) / used.reduce((a, b) => a + b, 0);
      console.log(
        `   ${String(n).padStart(9)}  ${(stream ? 'stream (100 ch)' : 'non-streaming').padEnd(15)} ${r.rps.toFixed(0).padStart(6)} ${r.p50_ms.toFixed(1).padStart(9)} ${r.p99_ms.toFixed(1).padStart(8)}   ${used.map((u) => (u / wall).toFixed(2)).join(' / ').padEnd(28)} ${((cpuSecondsOf(lb.proc.pid) - h0) / wall).toFixed(2).padStart(7)}   ${perCpuSecond.toFixed(0).padStart(8)}${r.errors ? `   errors ${r.errors}` : ''}`,
      );
    }
    await lb.stop();
  }
  console.log('   (req per gateway CPU-s: what each dedicated core gives; N cores ≈ N × that, while HAProxy, Redis, PostgreSQL and the engines keep up)');
  await Promise.all(gateways.map((g) => g.stop()));
  up.kill();
  await dropSchema(schema);
}

async function routing(): Promise<void> {
  const requests = Number(values.requests);
  const workloads = {
    'shared prefixes (64 groups × 2,000 tokens, 200-token questions), 16 req/s': { seed: 7, requests, arrival: { rate: 16 }, prompt: 200, output: 64, prefix: { groups: 64, tokens: 2000 } },
    'multi-turn chats (6 turns, 8 s think time), 2 new chats/s': { seed: 3, requests, arrival: { rate: 2 }, prompt: 150, output: 64, turns: 6, think: 'exp:8' },
  };
  console.log(`\n2. Routing with several instances — 8 simulated vLLM replicas (RTX 4090, Llama-3.1-8B), ${requests} requests per run, simulated time ×2`);
  console.log('   workload / set-up                                  prefix hit   TTFT p50   TTFT p90   failed');
  for (const [name, spec] of Object.entries(workloads)) {
    console.log(`   ${name}`);
    for (const setup of ['one gateway', 'three behind HAProxy, sharing decisions', 'three behind HAProxy, not sharing'] as const) {
      const cluster = await startCluster({ gateways: setup === 'one gateway' ? 1 : 3, replicas: 8, masterKey: MASTER, speed: 2, shareRouting: setup !== 'three behind HAProxy, not sharing' });
      try {
        const url = setup === 'one gateway' ? (cluster.gateways[0] as GatewayProcess).url : cluster.haproxy.url;
        const r = await runHttpWorkload({ urls: [url], model: CLUSTER_MODEL, workload: parseWorkload(spec), policy: roundRobin(), speed: 2, maxModelLen: 8192, headers: { authorization: `Bearer ${MASTER}` } });
        const c = await prefixCounters(cluster.fleet);
        console.log(`     ${setup.padEnd(47)} ${((c.hits / Math.max(1, c.queries)) * 100).toFixed(1).padStart(8)}% ${r.ttft.p50.toFixed(3).padStart(9)}s ${r.ttft.p90.toFixed(3).padStart(9)}s ${String(r.failed).padStart(8)}`);
      } finally {
        await cluster.close();
      }
    }
  }
}

console.log(`bench:scaleout — ${new Date().toISOString()}`);
if (values.only !== 'routing') await throughput();
if (values.only !== 'throughput') await routing();
process.exit(0);
