// relais sim — simulated vLLM replicas over HTTP, or `relais sim run` for a virtual-time simulation.
import { parseArgs } from 'node:util';
import { buildReplicaModel } from '../perfmodel/index.js';
import type { EngineKind, ReplicaModel } from '../perfmodel/types.js';
import { createPolicy, policyFactories } from '../router/policies/index.js';
import { simulateFleet } from '../sim/fleet-sim.js';
import { startSimFleet } from '../sim/http/fleet.js';
import { formatFleetReport } from '../sim/report-text.js';
import { loadWorkload } from '../sim/workload.js';
import { ProgressBar } from './progress.js';

const REPLICA_OPTIONS = {
  replicas: { type: 'string', default: '1' },
  gpu: { type: 'string' },
  gpus: { type: 'string', default: '1' },
  model: { type: 'string' },
  quant: { type: 'string', default: 'bf16' },
  engine: { type: 'string', default: 'vllm' },
  'max-num-seqs': { type: 'string' },
  'max-batched-tokens': { type: 'string' },
  'max-model-len': { type: 'string' },
  'gpu-memory-utilization': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const REPLICA_HELP = `Replica options:
  --replicas N                   number of replicas (default 1)
  --gpu ID --model ID            catalog ids, e.g. a100-80g, llama-3.1-8b (required)
  --quant ID                     bf16 (default), fp8, awq-int4, q4_k_m, ...
  --engine vllm|sglang|llamacpp|tgi   (default vllm)
  --gpus N                       tensor-parallel GPUs per replica (default 1)
  --max-num-seqs N  --max-batched-tokens N  --max-model-len N  --gpu-memory-utilization F`;

const HTTP_HELP = `Usage: relais sim --gpu ID --model ID [options]

Starts simulated vLLM replicas on consecutive ports (OpenAI API, SSE streaming at simulated times,
/metrics with vLLM's names). Runs until interrupted.

${REPLICA_HELP}
HTTP options:
  --port P                       first port (default 9000; 0 = any free port)
  --host H                       bind address (default 127.0.0.1)
  --served-model-name NAME       model name to serve (default: the model id)
  --speed F                      simulated seconds per real second (default 1)
  --output-len DIST              length when a request has no max_tokens (default normal:256:64)
  --error-rate P                 share of requests answered with HTTP 500
  --hang-rate P                  share of requests never answered
  --slowdown F                   multiply step times
  --die-after N                  each replica crashes on its (N+1)-th request
  --tool-call-rate P             chance of a tool call when tools are offered with tool_choice auto
                                 (default 0.25; required/named tool_choice always calls)
  --natural-length               answers end at a length drawn from --output-len, max_tokens only
                                 caps it (as with a real model; ignore_eos still forces max_tokens).
                                 Default: max_tokens is the exact length, as benchmarks want
  --generate-only                a generate-task model as vLLM serves it: /v1/embeddings, rerank and
                                 score answer 404
  --seed N

Virtual-time mode: relais sim run --help`;

const RUN_HELP = `Usage: relais sim run --workload FILE --gpu ID --model ID [options]

Discrete-event simulation of a workload against a fleet; prints latency percentiles, throughput,
prefix-cache hit rate and queue times (simulated seconds).

${REPLICA_HELP}
Run options:
  --workload FILE                YAML or JSON workload (see docs/sim.md)
  --policy NAME                  ${Object.keys(policyFactories).join(' | ')} (default round-robin)
  --json                         print the report as JSON`;

type ReplicaValues = { [K in keyof typeof REPLICA_OPTIONS]?: string | boolean };

function num(v: string | boolean | undefined, flag: string, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new Error(`--${flag} must be ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${v}'`);
  }
  return n;
}

function replicaModel(v: ReplicaValues): { model: ReplicaModel; replicas: number; label: string } {
  if (typeof v.gpu !== 'string' || typeof v.model !== 'string') throw new Error('--gpu and --model are required (e.g. --gpu a100-80g --model llama-3.1-8b)');
  const engine = String(v.engine) as EngineKind;
  if (!['vllm', 'sglang', 'llamacpp', 'tgi'].includes(engine)) throw new Error(`--engine must be vllm, sglang, llamacpp or tgi, got '${engine}'`);
  const gpus = num(v.gpus, 'gpus', { int: true, min: 1 }) ?? 1;
  const detail = buildReplicaModel({
    gpu: v.gpu,
    gpus,
    model: v.model,
    quant: String(v.quant),
    engine,
    maxNumSeqs: num(v['max-num-seqs'], 'max-num-seqs', { int: true, min: 1 }),
    maxBatchedTokens: num(v['max-batched-tokens'], 'max-batched-tokens', { int: true, min: 1 }),
    maxModelLen: num(v['max-model-len'], 'max-model-len', { int: true, min: 16 }),
    gpuMemoryUtilization: num(v['gpu-memory-utilization'], 'gpu-memory-utilization', { min: 0.05 }),
  });
  if (!detail.fits) throw new Error(`${v.model} (${String(v.quant)}) does not fit on ${gpus} × ${v.gpu}: ${detail.notFitReason ?? 'unknown reason'}`);
  const replicas = num(v.replicas, 'replicas', { int: true, min: 1 }) ?? 1;
  const label = `${replicas} × ${gpus > 1 ? `${gpus}×` : ''}${v.gpu} ${v.model} ${String(v.quant)} (${engine}; ${detail.kvBlocks} KV blocks, max_num_seqs ${detail.maxNumSeqs}, ${detail.maxBatchedTokens} batched tokens)`;
  return { model: detail, replicas, label };
}

async function runVirtual(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...REPLICA_OPTIONS, workload: { type: 'string' }, policy: { type: 'string', default: 'round-robin' }, json: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (!values.workload) throw new Error('--workload FILE is required (see relais sim run --help)');
  const workload = loadWorkload(values.workload);
  const { model, replicas, label } = replicaModel(values);
  const policy = createPolicy(values.policy);
  const bar = new ProgressBar('simulating');
  const report = simulateFleet({
    replicas: Array.from({ length: replicas }, () => model),
    workload,
    policy,
    onProgress: (done, total) => bar.update({ done, total }),
  });
  bar.finish({ done: report.completed, total: workload.requests });
  if (values.json) console.log(JSON.stringify({ fleet: label, ...report }, null, 2));
  else console.log(formatFleetReport(report, `relais sim run: ${label}, policy ${policy.name}, workload ${values.workload}`));
  return 0;
}

async function runHttp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...REPLICA_OPTIONS,
      port: { type: 'string', default: '9000' },
      host: { type: 'string', default: '127.0.0.1' },
      'served-model-name': { type: 'string' },
      speed: { type: 'string', default: '1' },
      'output-len': { type: 'string' },
      'error-rate': { type: 'string' },
      'hang-rate': { type: 'string' },
      slowdown: { type: 'string' },
      'die-after': { type: 'string' },
      'tool-call-rate': { type: 'string' },
      'natural-length': { type: 'boolean' },
      'generate-only': { type: 'boolean' },
      seed: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(HTTP_HELP);
    return 0;
  }
  const { model, replicas, label } = replicaModel(values);
  const fleet = await startSimFleet({
    replicas,
    replicaModel: model,
    servedModelName: values['served-model-name'],
    host: values.host,
    port: num(values.port, 'port', { int: true, min: 0 }),
    speed: num(values.speed, 'speed', { min: 0.001 }),
    outputLen: values['output-len'],
    errorRate: num(values['error-rate'], 'error-rate', { min: 0 }),
    hangRate: num(values['hang-rate'], 'hang-rate', { min: 0 }),
    slowdown: num(values.slowdown, 'slowdown', { min: 0.001 }),
    dieAfter: num(values['die-after'], 'die-after', { int: true, min: 0 }),
    toolCallRate: num(values['tool-call-rate'], 'tool-call-rate', { min: 0 }),
    naturalLength: values['natural-length'] === true,
    generateOnly: values['generate-only'] === true,
    seed: num(values.seed, 'seed', { int: true }),
  });
  console.log(`relais sim: ${label}`);
  console.log(`serving '${fleet.servedModelName}' on ${fleet.urls[0]}${fleet.urls.length > 1 ? ` … ${fleet.urls[fleet.urls.length - 1]}` : ''} (OpenAI base URL: <url>/v1)`);
  console.log('Ctrl-C to stop.');
  const status = process.stderr.isTTY ? setInterval(() => process.stderr.write(`\r${statusLine(fleet.replicas)} · lag ${fleet.clock.lag().lastMs.toFixed(1)} ms\x1b[K`), 1000) : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (status) clearInterval(status);
  process.stderr.write('\n');
  await fleet.close();
  return 0;
}

function statusLine(replicas: readonly { engine: { numRunning: number; numWaiting: number; kvUsage(): number; counters: { generationTokens: number } } }[]): string {
  let running = 0;
  let waiting = 0;
  let kv = 0;
  let tokens = 0;
  for (const r of replicas) {
    running += r.engine.numRunning;
    waiting += r.engine.numWaiting;
    kv += r.engine.kvUsage();
    tokens += r.engine.counters.generationTokens;
  }
  return `running ${running} · waiting ${waiting} · KV ${((kv / replicas.length) * 100).toFixed(0)}% · ${tokens.toLocaleString('en-US')} tokens generated`;
}

export async function run(argv: string[]): Promise<number> {
  try {
    return argv[0] === 'run' ? await runVirtual(argv.slice(1)) : await runHttp(argv);
  } catch (err) {
    console.error(`relais sim: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
