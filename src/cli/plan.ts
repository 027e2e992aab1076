// relais plan: capacity planning — recommendations, one configuration, calibration (see docs/plan.md).
import { parseArgs } from 'node:util';
import { getGpu, getHost, getQuant, GPUS, HOSTS } from '../catalog/index.js';
import type { ModelArch } from '../catalog/models.js';
import type { EngineKind } from '../perfmodel/types.js';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from '../plan/calibration-file.js';
import { parseChoice, parseDuration, parseGrowth, parseOnOff, parsePositive, parsePositiveInt } from '../plan/cli-values.js';
import { DEFAULT_COSTS, type CostOptions } from '../plan/costs.js';
import { evaluate } from '../plan/evaluate.js';
import { explain } from '../plan/explain.js';
import { formatEvaluation, formatRecommendations } from '../plan/format.js';
import { evaluationJson, type Json } from '../plan/json-report.js';
import { recommend } from '../plan/recommend.js';
import { resolveModel, type ModelSource } from '../plan/resolve-model.js';
import { parseAllow } from '../plan/suitability.js';
import { USE_CASE_IDS, USE_CASES, type UseCase, type Workload } from '../plan/use-case.js';
import { catalogModelFor, readUsageLoad, type UsageLoad } from '../plan/usage-load.js';
import { planFromProfile, type SizeFor, type UsagePlan } from '../plan/usage-plan.js';
import { formatLoad, loadJson } from '../plan/usage-report.js';
import { openConfiguredStore } from './admin-target.js';

const ENGINES: readonly EngineKind[] = ['vllm', 'sglang', 'tgi', 'llamacpp'];

const USAGE = `Usage:
  relais plan --model ID --users N [--use-case chat|completion|personal] [targets] [costs]   recommend configurations
  relais plan --from-usage [--from DATE --to DATE] [--growth 2x] [--config FILE]            recommend for your gateway's own traffic
  relais plan --model ID --gpu G [--gpus N] [--replicas R] [--host H] [--engine E] [--quant Q]   evaluate one configuration
  relais plan grid --model ID --gpu G [--gpus N] [--quant Q] [--engine E] --concurrency 1,2,4 --prompt-tokens 32,512 --max-tokens N [--json] [--out FILE]
  relais plan calibrate run.json --gpu G --model ID [--engine E] [--quant Q] [--gpus N]

Model:    --model ID (catalog) | --model-config config.json | --gguf model.gguf
Workload: --context N  --prompt-tokens N  --output-tokens N  --users N (simultaneous)
Targets:  --min-tps N (tok/s per user)  --max-ttft 1s|500ms
Costs:    --pricing buy|rent  --hours-per-day H  --days-per-week D  --eur-kwh X  --power-share X  --budget-eur N
Search:   --max-gpus N  --top N  --engine E  --quant Q  --allow consumer,workstation,datacenter
Usage:    --from-usage  --from DATE  --to DATE  --growth 2x  --size-for p95|peak  --timezone ZONE  --usage-model NAME  --config FILE
Other:    --gpu-memory-utilization X  --chunked-prefill on|off  --calibration FILE  --json  --explain

GPUs: ${GPUS.map((g) => g.id).join(', ')}
Hosts: ${HOSTS.map((h) => h.id).join(', ')}`;

const OPTIONS = {
  model: { type: 'string' }, 'model-config': { type: 'string' }, gguf: { type: 'string' },
  gpu: { type: 'string' }, gpus: { type: 'string' }, replicas: { type: 'string' }, host: { type: 'string' }, engine: { type: 'string' }, quant: { type: 'string' },
  'use-case': { type: 'string' }, context: { type: 'string' }, 'prompt-tokens': { type: 'string' }, 'output-tokens': { type: 'string' },
  users: { type: 'string' }, 'min-tps': { type: 'string' }, 'max-ttft': { type: 'string' },
  pricing: { type: 'string' }, 'eur-kwh': { type: 'string' }, 'power-share': { type: 'string' }, 'budget-eur': { type: 'string' },
  'hours-per-day': { type: 'string' }, 'days-per-week': { type: 'string' }, allow: { type: 'string' },
  'from-usage': { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, growth: { type: 'string' }, 'size-for': { type: 'string' },
  timezone: { type: 'string' }, 'usage-model': { type: 'string' }, config: { type: 'string' },
  'max-gpus': { type: 'string' }, top: { type: 'string' }, 'gpu-memory-utilization': { type: 'string' }, calibration: { type: 'string' }, 'chunked-prefill': { type: 'string' },
  json: { type: 'boolean' }, explain: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>['values'];

/** The load measured from usage records and what it turns into. */
interface FromUsage {
  readonly load: UsageLoad;
  readonly plan: UsagePlan;
  readonly growth: number;
  readonly sizeFor: SizeFor;
}

async function readUsage(values: Values): Promise<UsageLoad> {
  const store = await openConfiguredStore(values.config);
  try {
    return await readUsageLoad(store, { from: values.from, to: values.to, timeZone: values.timezone, usageModel: values['usage-model'] });
  } finally {
    await store.close();
  }
}

/** The model: as given, or (from usage) the catalog model the records' most requested name stands for. */
async function modelSource(values: Values, usage: UsageLoad | undefined): Promise<ModelSource> {
  const given = values.model ?? values['model-config'] ?? values.gguf;
  if (given !== undefined || !usage) return resolveModel({ model: values.model, modelConfig: values['model-config'], gguf: values.gguf });
  const name = usage.profile.model;
  const model: ModelArch | undefined = catalogModelFor(name);
  if (!model) throw new Error(`the usage records name model '${name}', which is not in the catalog: pass --model ID or --model-config FILE`);
  return { model, quantFixed: false };
}

function workloadFor(values: Values, base: Workload, modelContext: number): Workload {
  const context = parsePositiveInt('context', values.context) ?? Math.min(base.context, modelContext);
  const workload: Workload = {
    ...base,
    context,
    promptTokens: Math.min(parsePositiveInt('prompt-tokens', values['prompt-tokens']) ?? base.promptTokens, context - 1),
    outputTokens: parsePositiveInt('output-tokens', values['output-tokens']) ?? base.outputTokens,
    minTps: parsePositive('min-tps', values['min-tps']) ?? base.minTps,
    maxTtftSec: parseDuration('max-ttft', values['max-ttft']) ?? base.maxTtftSec,
  };
  if (workload.promptTokens + workload.outputTokens > context) {
    throw new Error(`prompt (${workload.promptTokens}) + output (${workload.outputTokens}) tokens exceed the context (${context})`);
  }
  return workload;
}

function costsFor(values: Values, usage: FromUsage | undefined): CostOptions {
  const hoursPerDay = parsePositive('hours-per-day', values['hours-per-day']) ?? usage?.plan.hoursPerDay ?? 24;
  const daysPerWeek = parsePositive('days-per-week', values['days-per-week']) ?? usage?.plan.daysPerWeek ?? 7;
  if (hoursPerDay > 24) throw new Error(`--hours-per-day must be at most 24, got ${hoursPerDay}`);
  if (daysPerWeek > 7) throw new Error(`--days-per-week must be at most 7, got ${daysPerWeek}`);
  return {
    pricing: parseChoice('pricing', values.pricing, ['buy', 'rent'] as const) ?? DEFAULT_COSTS.pricing,
    eurPerKwh: parsePositive('eur-kwh', values['eur-kwh']) ?? DEFAULT_COSTS.eurPerKwh,
    powerShare: parsePositive('power-share', values['power-share']) ?? DEFAULT_COSTS.powerShare,
    hoursPerDay, daysPerWeek,
  };
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'calibrate') return (await import('../plan/calibrate-command.js')).runCalibrate(argv.slice(1));
  if (argv[0] === 'grid') return (await import('../plan/grid-command.js')).runGrid(argv.slice(1));
  let values: Values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (err) {
    console.error(`relais plan: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const useCase = parseChoice<UseCase>('use-case', values['use-case'], USE_CASE_IDS) ?? 'chat';
    const growth = parseGrowth(values.growth) ?? 1;
    const sizeFor = parseChoice<SizeFor>('size-for', values['size-for'], ['p95', 'peak']) ?? 'p95';
    if (!values['from-usage'] && (values.growth ?? values.from ?? values.to ?? values['usage-model'] ?? values['size-for']) !== undefined) {
      throw new Error('--growth, --from, --to, --size-for and --usage-model go with --from-usage');
    }
    if (values['from-usage'] && values.gpu !== undefined) throw new Error('--from-usage recommends configurations: it does not combine with --gpu');
    const load = values['from-usage'] ? await readUsage(values) : undefined;
    const source = await modelSource(values, load);
    const base = USE_CASES[useCase];
    let usage: FromUsage | undefined;
    if (load) usage = { load, growth, sizeFor, plan: planFromProfile(load.profile, base, source.model.contextLength, growth, sizeFor) };
    const workload = workloadFor(values, usage?.plan.workload ?? base, source.model.contextLength);
    const costs = costsFor(values, usage);
    const calibrationFile = values.calibration ?? process.env.RELAIS_CALIBRATION ?? DEFAULT_CALIBRATION_FILE;
    const calibration = await loadCalibration(calibrationFile, values.calibration !== undefined);
    const engine = parseChoice('engine', values.engine, ENGINES);
    const util = parsePositive('gpu-memory-utilization', values['gpu-memory-utilization']);
    if (util !== undefined && util > 1) throw new Error(`--gpu-memory-utilization must be at most 1, got ${util}`);
    const quantGiven = values.quant !== undefined ? getQuant(values.quant) : undefined;
    if (quantGiven && source.quantFixed) throw new Error('--quant cannot be combined with --gguf (the file fixes the quantization)');
    const allow = parseAllow(values.allow);

    if (values.gpu === undefined) {
      const users = parsePositiveInt('users', values.users) ?? usage?.plan.users ?? (useCase === 'personal' ? 1 : 10);
      const rec = recommend({
        model: source.model, users, workload, costs, calibration, engines: engine ? [engine] : undefined, allow, useCase,
        quants: quantGiven ? [quantGiven] : undefined, fixedQuant: source.quantFixed ? source.quant : undefined,
        maxGpus: parsePositiveInt('max-gpus', values['max-gpus']), budgetEur: parsePositive('budget-eur', values['budget-eur']),
      });
      const top = rec.ranked.slice(0, parsePositiveInt('top', values.top) ?? 10);
      const loadArgs = usage ? ([usage.load.profile, usage.load.models, usage.plan, usage.growth, usage.sizeFor] as const) : undefined;
      if (values.json) {
        const out: Record<string, Json> = {
          model: source.model.id, users, use_case: useCase, configurations: top.map(evaluationJson), unpriced: [...rec.unpriced],
          excluded: rec.excluded.map((x) => ({ segment: x.segment, gpus: [...x.gpus], reason: x.reason })),
        };
        if (loadArgs) out.load = loadJson(...loadArgs);
        console.log(JSON.stringify(out, null, 2));
      } else {
        if (loadArgs) console.log(`${formatLoad(...loadArgs).join('\n')}\n`);
        const h = costs.hoursPerDay !== 24 || costs.daysPerWeek !== 7 ? `, used ${costs.hoursPerDay} h/day × ${costs.daysPerWeek} days/week` : '';
        console.log(`${source.model.id}, ${users} simultaneous users, ${useCase}: context ${workload.context}, prompt ${workload.promptTokens}, output ${workload.outputTokens}, ≥ ${workload.minTps} tok/s, TTFT ≤ ${workload.maxTtftSec} s${h}\n`);
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
      chunkedPrefill: parseOnOff('chunked-prefill', values['chunked-prefill']), host: values.host === undefined ? undefined : getHost(values.host), allow,
    });
    if (values.json) console.log(JSON.stringify(evaluationJson(e), null, 2));
    else console.log((values.explain ? [...formatEvaluation(e), '', ...explain(e)] : formatEvaluation(e)).join('\n'));
    return 0;
  } catch (err) {
    console.error(`relais plan: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
