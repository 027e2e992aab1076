// npm run bench:routing-http — two checks of routing through the real gateway over HTTP:
//  1. The virtual-time result at one rate: 8 simulated replicas (HTTP mode) behind the gateway with its
//     default scheduler, against simulateFleet with the same plugins, same workload and same replica model.
//  2. Fairness: two keys into a saturated model, one sending 10× the other's rate; the light key's
//     latency compared with its unloaded value.
// Usage: npm run bench:routing-http [-- --rate 16 --requests 1200 --speed 2]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { createAccess } from '../src/access/create-access.js';
import { createKey } from '../src/access/identity-ops.js';
import { configSchema } from '../src/config/schema.js';
import { buildReplicaModel } from '../src/perfmodel/index.js';
import { createPolicy } from '../src/router/policies/index.js';
import { roundRobin } from '../src/router/policies/round-robin.js';
import { Gateway } from '../src/server/gateway.js';
import { simulateFleet } from '../src/sim/fleet-sim.js';
import { startSimFleet } from '../src/sim/http/fleet.js';
import { runHttpWorkload } from '../src/sim/http/load.js';
import { parseWorkload } from '../src/sim/workload.js';
import { openStore } from '../src/store/open-store.js';
import { createLogger } from '../src/telemetry/log.js';
import { createUsageWriter } from '../src/usage/batched-writer.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '16' },
    requests: { type: 'string', default: '1200' },
    speed: { type: 'string', default: '2' },
    'fair-seconds': { type: 'string', default: '30' },
  },
});
const quiet = createLogger('error');
const spec = { gpu: 'rtx-4090', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' as const, maxModelLen: 8192 };
const replicaModel = buildReplicaModel(spec);

function backendsYaml(urls: readonly string[], extra = ''): Record<string, unknown> {
  return Object.fromEntries(urls.map((u, i) => [`r${i}`, { kind: 'vllm', url: u, ...(extra ? { max_concurrency: Number(extra) } : {}) }]));
}

async function agreement(): Promise<void> {
  const rate = Number(values.rate);
  const speed = Number(values.speed);
  const workloadSpec = { seed: 7, requests: Number(values.requests), arrival: { rate }, prompt: 200, output: 200, prefix: { groups: 64, tokens: 2000 } };
  const virtual = simulateFleet({ replicas: Array(8).fill(replicaModel), workload: parseWorkload(workloadSpec), policy: createPolicy('default'), modelName: 'llama-3.1-8b' });

  const fleet = await startSimFleet({ replicas: 8, replicaModel, servedModelName: 'llama-3.1-8b', speed });
  const config = configSchema.parse({
    log_level: 'error',
    backends: backendsYaml(fleet.urls),
    models: [{ name: 'llama-3.1-8b', deployments: fleet.urls.map((_, i) => ({ backend: `r${i}`, model: 'llama-3.1-8b' })) }],
  });
  const gw = await Gateway.create(config, { log: quiet });
  const addr = await gw.listen('127.0.0.1', 0);
  process.stderr.write(`HTTP mode: ${values.requests} requests at ${rate} req/s (speed ×${speed})…\n`);
  const http = await runHttpWorkload({ urls: [`http://127.0.0.1:${addr.port}`], model: 'llama-3.1-8b', workload: parseWorkload(workloadSpec), policy: roundRobin(), speed, maxModelLen: 8192 });
  let queries = 0;
  let hits = 0;
  for (const r of fleet.replicas) {
    queries += r.engine.counters.prefixQueries;
    hits += r.engine.counters.prefixHits;
  }
  await gw.close(1000);
  await fleet.close();
  console.log(`\n1. Virtual time vs HTTP through the gateway — default scheduler, 8 × ${spec.gpu} ${spec.model}, ${rate} req/s, ${values.requests} requests`);
  console.log('                     TTFT p50   TTFT p90    e2e p50   prefix hit');
  console.log(`  virtual time     ${virtual.ttft.p50.toFixed(3).padStart(8)}s ${virtual.ttft.p90.toFixed(3).padStart(9)}s ${virtual.e2e.p50.toFixed(2).padStart(9)}s ${(virtual.prefixCache.hitRate * 100).toFixed(1).padStart(10)}%`);
  console.log(`  HTTP + gateway   ${http.ttft.p50.toFixed(3).padStart(8)}s ${http.ttft.p90.toFixed(3).padStart(9)}s ${http.e2e.p50.toFixed(2).padStart(9)}s ${((hits / Math.max(1, queries)) * 100).toFixed(1).padStart(10)}%   (${http.completed} completed, ${http.failed} failed)`);
}

interface KeyStats {
  latencies: number[];
  rejected: number;
}

async function fairness(): Promise<void> {
  const seconds = Number(values['fair-seconds']);
  const fleet = await startSimFleet({ replicas: 1, replicaModel, servedModelName: 'llama-3.1-8b', speed: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-fair-'));
  const config = configSchema.parse({
    log_level: 'error',
    data_dir: dataDir,
    master_key: 'sk-bench-master',
    backends: backendsYaml(fleet.urls, '4'),
    models: [{ name: 'llama-3.1-8b', deployments: [{ backend: 'r0', model: 'llama-3.1-8b' }], routing: { queue: { max_length: 10_000, max_wait_ms: 120_000 } } }],
  });
  const store = await openStore(config);
  const heavy = await createKey(store, { name: 'heavy' }, 'bench');
  const light = await createKey(store, { name: 'light' }, 'bench');
  const access = await createAccess({ config, store });
  const usage = createUsageWriter(store);
  const gw = await Gateway.create(config, { log: quiet, access, usage });
  const { port } = await gw.listen('127.0.0.1', 0);
  const body = JSON.stringify({ model: 'llama-3.1-8b', prompt: 'Tell me something.', max_tokens: 64 });

  const one = async (key: string, stats: KeyStats): Promise<void> => {
    const t0 = performance.now();
    const res = await request(`http://127.0.0.1:${port}/v1/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
    await res.body.dump();
    if (res.statusCode === 200) stats.latencies.push((performance.now() - t0) / 1000);
    else stats.rejected++;
  };
  /** Poisson arrivals at `rate` per second for `secs`, each request measured. */
  const send = async (key: string, rate: number, secs: number, stats: KeyStats): Promise<void> => {
    const pending: Promise<void>[] = [];
    const end = performance.now() + secs * 1000;
    while (performance.now() < end) {
      pending.push(one(key, stats));
      await new Promise((r) => setTimeout(r, (-Math.log(1 - Math.random()) / rate) * 1000));
    }
    await Promise.all(pending);
  };
  const p = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? NaN;

  process.stderr.write(`Fairness: light key alone for ${Math.round(seconds / 2)} s, then light + heavy (10×) for ${seconds} s…\n`);
  const alone: KeyStats = { latencies: [], rejected: 0 };
  await send(light.secret, 0.5, seconds / 2, alone);
  const lightLoaded: KeyStats = { latencies: [], rejected: 0 };
  const heavyLoaded: KeyStats = { latencies: [], rejected: 0 };
  await Promise.all([send(light.secret, 0.5, seconds, lightLoaded), send(heavy.secret, 5, seconds, heavyLoaded)]);
  await gw.close(1000);
  await store.close();
  await fleet.close();
  console.log(`\n2. Fairness — one ${spec.gpu} replica capped at 4 in flight (about 3.5 req/s), light key 0.5 req/s, heavy key 5 req/s`);
  console.log('                         n    e2e p50    e2e p90');
  const row = (name: string, s: KeyStats): string => `  ${name.padEnd(20)} ${String(s.latencies.length).padStart(4)} ${p(s.latencies, 0.5).toFixed(2).padStart(9)}s ${p(s.latencies, 0.9).toFixed(2).padStart(9)}s${s.rejected ? `   ${s.rejected} rejected` : ''}`;
  console.log(row('light, alone', alone));
  console.log(row('light, with heavy', lightLoaded));
  console.log(row('heavy', heavyLoaded));
}

await agreement();
await fairness();
process.exit(0);
