// startSimFleet: N simulated vLLM replicas on consecutive loopback ports, sharing one real-time clock.
// Other tests and tools start simulated engines in-process with it.
import { buildReplicaModel } from '../../perfmodel/index.js';
import type { EngineKind, ReplicaModel } from '../../perfmodel/types.js';
import { parseDistribution } from '../distribution.js';
import { RealClock } from '../real-clock.js';
import { seededRng } from '../../random/seeded-rng.js';
import { checkFaults, type FaultOptions } from './faults.js';
import { ReplicaServer } from './replica-server.js';

export interface SimFleetOptions extends FaultOptions {
  readonly replicas: number;
  /** Catalog ids for the performance model (ignored when `replicaModel` is given). */
  readonly gpu?: string;
  readonly model?: string;
  readonly quant?: string;
  readonly engine?: EngineKind;
  readonly gpus?: number;
  /** A ready performance model (tests, calibrated models). */
  readonly replicaModel?: ReplicaModel;
  /** Model name served on /v1/models and required in requests (default: the model id). */
  readonly servedModelName?: string;
  readonly host?: string;
  /** First port; replicas take consecutive ports. 0 (default) = any free port for each. */
  readonly port?: number;
  /** Simulated seconds per real second (default 1). */
  readonly speed?: number;
  /** Output length when a request has no max_tokens (distribution string, default 'normal:256:64'). */
  readonly outputLen?: string;
  /** Per-replica fault overrides by index (e.g. only replica 2 dies). */
  readonly replicaFaults?: Readonly<Record<number, FaultOptions>>;
  /** Chance of a tool call when tools are offered with tool_choice auto (default 0.25). */
  readonly toolCallRate?: number;
  /** max_tokens caps a sampled output length (from outputLen) instead of fixing it; ignore_eos fixes it. */
  readonly naturalLength?: boolean;
  /** Serve a generate-task model (vLLM --task generate): /v1/embeddings, rerank and score answer 404. */
  readonly generateOnly?: boolean;
  readonly seed?: number;
}

export interface SimFleet {
  readonly ports: readonly number[];
  /** Base URLs (http://127.0.0.1:port), OpenAI base URL = url + '/v1'. */
  readonly urls: readonly string[];
  readonly servedModelName: string;
  readonly replicaModel: ReplicaModel;
  readonly replicas: readonly ReplicaServer[];
  readonly clock: RealClock;
  close(): Promise<void>;
}

export async function startSimFleet(o: SimFleetOptions): Promise<SimFleet> {
  if (!(Number.isInteger(o.replicas) && o.replicas >= 1)) throw new Error(`replicas must be a positive integer, got ${o.replicas}`);
  if (o.toolCallRate !== undefined && !(o.toolCallRate >= 0 && o.toolCallRate <= 1)) throw new Error(`tool call rate must be in [0, 1], got ${o.toolCallRate}`);
  const model =
    o.replicaModel ??
    buildReplicaModel({ gpu: o.gpu ?? 'a100-80g', gpus: o.gpus ?? 1, model: o.model ?? 'llama-3.1-8b', quant: o.quant ?? 'bf16', engine: o.engine ?? 'vllm' });
  const servedModelName = o.servedModelName ?? model.spec.model;
  const outputLen = parseDistribution(o.outputLen ?? 'normal:256:64', 'output length');
  const host = o.host ?? '127.0.0.1';
  const clock = new RealClock(o.speed ?? 1);
  const replicas: ReplicaServer[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < o.replicas; i++) {
      const faults: FaultOptions = { ...pickFaults(o), ...o.replicaFaults?.[i] };
      checkFaults(faults);
      const r = new ReplicaServer({ index: i, model, servedModelName, clock, faults, outputLen, toolCallRate: o.toolCallRate, naturalLength: o.naturalLength, generateOnly: o.generateOnly, rng: seededRng((o.seed ?? 1) * 7919 + i) });
      replicas.push(r);
      ports.push(await r.listen(o.port ? o.port + i : 0, host));
    }
  } catch (err) {
    clock.stop();
    await Promise.all(replicas.map((r) => r.close()));
    throw err;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    ports,
    urls: ports.map((p) => `http://${urlHost}:${p}`),
    servedModelName,
    replicaModel: model,
    replicas,
    clock,
    async close() {
      clock.stop();
      await Promise.all(replicas.map((r) => r.close()));
    },
  };
}

function pickFaults(o: FaultOptions): FaultOptions {
  return { errorRate: o.errorRate, hangRate: o.hangRate, slowdown: o.slowdown, dieAfter: o.dieAfter };
}
