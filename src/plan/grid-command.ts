// `relais plan grid`: the predicted bench table for one configuration (see docs/plan.md).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fullReport } from '../bench/report-terminal.js';
import { getGpu, getQuant } from '../catalog/lookup.js';
import { version } from '../cli/version.js';
import { buildReplicaModel, uncertaintyFor } from '../perfmodel/index.js';
import type { EngineKind } from '../perfmodel/types.js';
import { DEFAULT_CALIBRATION_FILE, loadCalibration } from './calibration-file.js';
import { parseChoice, parseIntList, parseOnOff, parsePositive, parsePositiveInt } from './cli-values.js';
import { predictGrid, rangeLines } from './grid.js';
import { resolveModel } from './resolve-model.js';

const USAGE = `Usage: relais plan grid (--model ID | --model-config FILE | --gguf FILE) --gpu G [--gpus N] [--replicas R] [--quant Q]
         [--engine vllm|sglang|tgi|llamacpp] --concurrency 1,2,4 --prompt-tokens 32,512 --max-tokens N
         [--context N] [--parallel N (llama.cpp slots)] [--requests N per cell] [--chunked-prefill on|off] [--calibration FILE] [--json] [--out FILE]`;

export async function runGrid(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        model: { type: 'string' }, 'model-config': { type: 'string' }, gguf: { type: 'string' }, gpu: { type: 'string' }, gpus: { type: 'string' },
        replicas: { type: 'string' }, quant: { type: 'string' }, engine: { type: 'string' }, concurrency: { type: 'string' },
        'prompt-tokens': { type: 'string' }, 'max-tokens': { type: 'string' }, context: { type: 'string' }, parallel: { type: 'string' },
        requests: { type: 'string' }, 'gpu-memory-utilization': { type: 'string' }, calibration: { type: 'string' }, 'chunked-prefill': { type: 'string' },
        json: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`relais plan grid: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (values.gpu === undefined) throw new Error(`--gpu is required\n${USAGE}`);
    const gpu = getGpu(values.gpu);
    const source = await resolveModel({ model: values.model, modelConfig: values['model-config'], gguf: values.gguf });
    const concurrency = parseIntList('concurrency', values.concurrency) ?? [1, 2, 4, 8, 16, 32, 64, 128];
    const prompts = parseIntList('prompt-tokens', values['prompt-tokens']) ?? [32, 128, 512, 2048];
    const maxTokens = parsePositiveInt('max-tokens', values['max-tokens']) ?? 128;
    const engine = parseChoice<EngineKind>('engine', values.engine, ['vllm', 'sglang', 'tgi', 'llamacpp'])
      ?? (source.quantFixed || gpu.class === 'apple-m' ? 'llamacpp' : 'vllm');
    if (values.quant !== undefined && source.quantFixed) throw new Error('--quant cannot be combined with --gguf (the file fixes the quantization)');
    const quant = values.quant !== undefined ? getQuant(values.quant) : (source.quant ?? getQuant(engine === 'llamacpp' ? 'q4_k_m' : 'bf16'));
    const needed = Math.max(...prompts) + maxTokens + 16;
    const context = parsePositiveInt('context', values.context) ?? Math.min(source.model.contextLength, Math.max(8192, needed));
    const parallel = parsePositiveInt('parallel', values.parallel) ?? 1;
    const calibrationFile = values.calibration ?? process.env.RELAIS_CALIBRATION ?? DEFAULT_CALIBRATION_FILE;
    const calibration = await loadCalibration(calibrationFile, values.calibration !== undefined);
    const tp = parsePositiveInt('gpus', values.gpus) ?? 1;
    const replica = buildReplicaModel(
      {
        gpu: gpu.id, gpus: tp, model: source.model.id, quant: quant.id, engine,
        maxModelLen: engine === 'llamacpp' ? context * parallel : context, maxNumSeqs: engine === 'llamacpp' ? parallel : undefined,
        gpuMemoryUtilization: parsePositive('gpu-memory-utilization', values['gpu-memory-utilization']),
        chunkedPrefill: parseOnOff('chunked-prefill', values['chunked-prefill']),
      },
      calibration, { gpu, model: source.model, quant },
    );
    const replicas = Array.from({ length: parsePositiveInt('replicas', values.replicas) ?? 1 }, () => replica);
    const run = predictGrid({
      replicas, concurrency, promptTokens: prompts, maxTokens, requestsPerCell: parsePositiveInt('requests', values.requests),
      toolVersion: version, label: `${replicas.length}x ${tp}x${gpu.id} ${engine} ${quant.id}`,
      uncertainty: uncertaintyFor(engine, replica.efficiency.source.startsWith('calibrated')),
    });
    const text = JSON.stringify(run, null, 2);
    if (values.out !== undefined) await writeFile(values.out, `${text}\n`);
    if (values.json) console.log(text);
    else console.log(`${fullReport(run, 'e2e', 'mean')}\n\n${rangeLines(run).join('\n')}`);
    return 0;
  } catch (err) {
    console.error(`relais plan grid: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
