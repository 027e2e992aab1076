// relais plan: capacity planning — recommendations, one configuration, calibration (see docs/plan.md).
import { parseArgs } from 'node:util';
import { getGpu, getQuant, GPUS } from '../catalog/index.js';
import type { EngineKind } from '../perfmodel/types.js';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from '../plan/calibration-file.js';
import { parseChoice, parseDuration, parseOnOff, parsePositive, parsePositiveInt } from '../plan/cli-values.js';
import { DEFAULT_COSTS, type CostOptions } from '../plan/costs.js';
import { evaluate } from '../plan/evaluate.js';
import { explain } from '../plan/explain.js';
import { formatEvaluation, formatRecommendations } from '../plan/format.js';
import { evaluationJson } from '../plan/json-report.js';
import { recommend } from '../plan/recommend.js';
import { resolveModel } from '../plan/resolve-model.js';
import { USE_CASES, type UseCase, type Workload } from '../plan/use-case.js';

const ENGINES: readonly EngineKind[] = ['vllm', 'sglang', 'tgi', 'llamacpp'];

const USAGE = `Usage:
  relais plan --model ID --users N [--use-case chat|completion] [targets] [costs]     recommend configurations
  relais plan --model ID --gpu G [--gpus N] [--replicas R] [--engine E] [--quant Q]   evaluate one configuration
  relais plan grid --model ID --gpu G [--gpus N] [--quant Q] [--engine E] --concurrency 1,2,4 --prompt-tokens 32,512 --max-tokens N [--json] [--out FILE]
  relais plan calibrate run.json --gpu G --model ID [--engine E] [--quant Q] [--gpus N]

Model:    --model ID (catalog) | --model-config config.json | --gguf model.gguf
Workload: --context N  --prompt-tokens N  --output-tokens N  --users N (simultaneous)
Targets:  --min-tps N (tok/s per user)  --max-ttft 1s|500ms
Costs:    --pricing buy|rent  --eur-kwh X  --power-share X  --budget-eur N (purchase, or monthly when renting)
Search:   --max-gpus N  --top N  --engine E  --quant Q
Other:    --gpu-memory-utilization X  --chunked-prefill on|off  --calibration FILE  --json  --explain

GPUs: ${GPUS.map((g) => g.id).join(', ')}`;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'calibrate') return (await import('../plan/calibrate-command.js')).runCalibrate(argv.slice(1));
  if (argv[0] === 'grid') return (await import('../plan/grid-command.js')).runGrid(argv.slice(1));
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' }, 'model-config': { type: 'string' }, gguf: { type: 'string' },
        gpu: { type: 'string' }, gpus: { type: 'string' }, replicas: { type: 'string' }, engine: { type: 'string' }, quant: { type: 'string' },
        'use-case': { type: 'string' }, context: { type: 'string' }, 'prompt-tokens': { type: 'string' }, 'output-tokens': { type: 'string' },
        users: { type: 'string' }, 'min-tps': { type: 'string' }, 'max-ttft': { type: 'string' },
        pricing: { type: 'string' }, 'eur-kwh': { type: 'string' }, 'power-share': { type: 'string' }, 'budget-eur': { type: 'string' },
        'max-gpus': { type: 'string' }, top: { type: 'string' }, 'gpu-memory-utilization': { type: 'string' }, calibration: { type: 'string' }, 'chunked-prefill': { type: 'string' },
        json: { type: 'boolean' }, explain: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`relais plan: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const source = await resolveModel({ model: values.model, modelConfig: values['model-config'], gguf: values.gguf });
    const useCase = parseChoice<UseCase>('use-case', values['use-case'], ['chat', 'completion']) ?? 'chat';
    const base = USE_CASES[useCase];
    const context = parsePositiveInt('context', values.context) ?? Math.min(base.context, source.model.contextLength);
    const workload: Workload = {
      context,
      promptTokens: Math.min(parsePositiveInt('prompt-tokens', values['prompt-tokens']) ?? base.promptTokens, context - 1),
      outputTokens: parsePositiveInt('output-tokens', values['output-tokens']) ?? base.outputTokens,
      minTps: parsePositive('min-tps', values['min-tps']) ?? base.minTps,
      maxTtftSec: parseDuration('max-ttft', values['max-ttft']) ?? base.maxTtftSec,
    };
    if (workload.promptTokens + workload.outputTokens > context) {
      throw new Error(`prompt (${workload.promptTokens}) + output (${workload.outputTokens}) tokens exceed the context (${context})`);
    }
    const costs: CostOptions = {
      pricing: parseChoice('pricing', values.pricing, ['buy', 'rent'] as const) ?? DEFAULT_COSTS.pricing,
      eurPerKwh: parsePositive('eur-kwh', values['eur-kwh']) ?? DEFAULT_COSTS.eurPerKwh,
      powerShare: parsePositive('power-share', values['power-share']) ?? DEFAULT_COSTS.powerShare,
    };
    const calibrationFile = values.calibration ?? process.env.RELAIS_CALIBRATION ?? DEFAULT_CALIBRATION_FILE;
    const calibration = await loadCalibration(calibrationFile, values.calibration !== undefined);
    const engine = parseChoice('engine', values.engine, ENGINES);
    const util = parsePositive('gpu-memory-utilization', values['gpu-memory-utilization']);
    if (util !== undefined && util > 1) throw new Error(`--gpu-memory-utilization must be at most 1, got ${util}`);
    const quantGiven = values.quant !== undefined ? getQuant(values.quant) : undefined;
    if (quantGiven && source.quantFixed) throw new Error('--quant cannot be combined with --gguf (the file fixes the quantization)');

    if (values.gpu === undefined) {
      const users = parsePositiveInt('users', values.users) ?? 10;
      const rec = recommend({
        model: source.model, users, workload, costs, calibration, engines: engine ? [engine] : undefined,
        quants: quantGiven ? [quantGiven] : undefined, fixedQuant: source.quantFixed ? source.quant : undefined,
        maxGpus: parsePositiveInt('max-gpus', values['max-gpus']), budgetEur: parsePositive('budget-eur', values['budget-eur']),
      });
      const top = rec.ranked.slice(0, parsePositiveInt('top', values.top) ?? 10);
      if (values.json) {
        console.log(JSON.stringify({ model: source.model.id, users, use_case: useCase, configurations: top.map(evaluationJson), unpriced: rec.unpriced }, null, 2));
      } else {
        console.log(`${source.model.id}, ${users} simultaneous users, ${useCase}: context ${context}, prompt ${workload.promptTokens}, output ${workload.outputTokens}, ≥ ${workload.minTps} tok/s, TTFT ≤ ${workload.maxTtftSec} s\n`);
        console.log(formatRecommendations({ ...rec, ranked: top }, users, costs.pricing).join('\n'));
        if (values.explain && top[0]) console.log(`\nThe first configuration, step by step:\n${explain(top[0]).join('\n')}`);
      }
      return 0;
    }

    const gpu = getGpu(values.gpu);
    const gpus = parsePositiveInt('gpus', values.gpus) ?? 1;
    const replicas = parsePositiveInt('replicas', values.replicas) ?? 1;
    if (gpus % replicas !== 0) throw new Error(`--gpus (${gpus}) must be a multiple of --replicas (${replicas})`);
    const quant = quantGiven ?? source.quant ?? getQuant(engine === 'llamacpp' || gpu.class === 'apple-m' ? 'q4_k_m' : 'bf16');
    const chosenEngine = engine ?? (quant.engines.includes('vllm') && gpu.class !== 'apple-m' ? 'vllm' : 'llamacpp');
    const e = evaluate({
      gpu, model: source.model, quant, engine: chosenEngine, gpus, tp: gpus / replicas, workload,
      users: parsePositiveInt('users', values.users) ?? 1, costs, calibration, gpuMemoryUtilization: util,
      chunkedPrefill: parseOnOff('chunked-prefill', values['chunked-prefill']),
    });
    if (values.json) console.log(JSON.stringify(evaluationJson(e), null, 2));
    else console.log((values.explain ? [...formatEvaluation(e), '', ...explain(e)] : formatEvaluation(e)).join('\n'));
    return 0;
  } catch (err) {
    console.error(`relais plan: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
