// Several `relais serve` processes on one PostgreSQL schema and one Redis prefix, behind HAProxy, in
// front of simulated vLLM replicas (in this process): the multi-instance set-up of docs/deploy.md on
// loopback. Instances keep their port across restarts, as they would behind a real balancer.
import { buildReplicaModel } from '../../src/perfmodel/index.js';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { POSTGRES_URL, REDIS_URL, dropSchema, uniqueName } from '../store/services.js';
import { freePort } from './free-port.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { startHaproxy, type Haproxy } from './haproxy.js';

export const CLUSTER_MODEL = 'llama-3.1-8b';

export interface ClusterOptions {
  readonly gateways: number;
  readonly replicas: number;
  readonly masterKey: string;
  /** More top-level YAML (e.g. `access: { refresh_ms: 60000 }`). */
  readonly yaml?: string;
  /** Simulated seconds per real second. */
  readonly speed?: number;
  /** redis.share_routing (default on): instances tell each other their routing decisions. */
  readonly shareRouting?: boolean;
  /** redis.lease_ms: how long a killed instance's concurrency slots and reservations outlive it. */
  readonly redisLeaseMs?: number;
  /** Extra environment for the gateway processes. */
  readonly env?: Record<string, string>;
}

export interface Cluster {
  readonly fleet: SimFleet;
  /** The running instances, by slot (replaced on restart). */
  readonly gateways: GatewayProcess[];
  readonly ports: readonly number[];
  readonly haproxy: Haproxy;
  readonly schema: string;
  readonly prefix: string;
  readonly yaml: string;
  /** Starts instance `i` (again) on its port. */
  start(i: number): Promise<GatewayProcess>;
  close(): Promise<void>;
}

export function clusterYaml(o: ClusterOptions, fleet: SimFleet, schema: string, prefix: string): string {
  return `
master_key: ${o.masterKey}
log_level: warn
store: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }
redis: { url: "${REDIS_URL}", prefix: ${prefix}${o.redisLeaseMs ? `, lease_ms: ${o.redisLeaseMs}` : ''}${o.shareRouting === false ? ', share_routing: false' : ''} }
health: { interval_ms: 1000 }
shutdown: { grace_ms: 15000 }
${o.yaml ?? ''}
backends:
${fleet.urls.map((u, i) => `  r${i}: { kind: vllm, url: "${u}" }`).join('\n')}
models:
  - name: ${CLUSTER_MODEL}
    deployments:
${fleet.urls.map((_, i) => `      - { backend: r${i}, model: ${CLUSTER_MODEL} }`).join('\n')}
    price: { input: 1, output: 2 }
`;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const spec = { gpu: 'rtx-4090', gpus: 1, model: CLUSTER_MODEL, quant: 'bf16', engine: 'vllm' as const, maxModelLen: 8192 };
  const fleet = await startSimFleet({ replicas: o.replicas, replicaModel: buildReplicaModel(spec), servedModelName: CLUSTER_MODEL, speed: o.speed ?? 1 });
  const schema = uniqueName('relais_cluster');
  const prefix = uniqueName('relais_cluster');
  const yaml = clusterYaml(o, fleet, schema, prefix);
  const ports: number[] = [];
  for (let i = 0; i < o.gateways; i++) ports.push(await freePort());
  const gateways: GatewayProcess[] = [];
  const start = async (i: number): Promise<GatewayProcess> => {
    const g = await startGateway(yaml, { args: ['--listen', `127.0.0.1:${ports[i]}`], env: o.env, timeoutMs: 60_000 });
    gateways[i] = g;
    return g;
  };
  let haproxy: Haproxy | undefined;
  try {
    // The first one alone: it runs the migrations on the fresh schema.
    await start(0);
    await Promise.all(ports.slice(1).map((_, k) => start(k + 1)));
    haproxy = await startHaproxy(ports);
  } catch (err) {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
    await fleet.close();
    await dropSchema(schema);
    throw err;
  }
  return {
    fleet,
    gateways,
    ports,
    haproxy,
    schema,
    prefix,
    yaml,
    start,
    async close() {
      await haproxy.stop();
      await Promise.all(gateways.map((g) => g.stop()));
      await fleet.close();
      await dropSchema(schema);
    },
  };
}

/** Prefix-cache queries and hits summed over the replicas, from their /metrics (vLLM's counter names). */
export async function prefixCounters(fleet: SimFleet): Promise<{ queries: number; hits: number }> {
  let queries = 0;
  let hits = 0;
  for (const url of fleet.urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    queries += metricValue(text, 'vllm:prefix_cache_queries_total');
    hits += metricValue(text, 'vllm:prefix_cache_hits_total');
  }
  return { queries, hits };
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
