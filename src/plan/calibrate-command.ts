// `relais plan calibrate run.json`: fit this hardware's efficiency factors from a bench run and save them.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BenchRun } from '../bench/run-types.js';
import { getGpu, getQuant } from '../catalog/lookup.js';
import type { EngineKind } from '../perfmodel/types.js';
import { calibrateFromCells, measuredCells } from './calibrate.js';
import { DEFAULT_CALIBRATION_FILE, saveCalibrationEntry } from './calibration-file.js';
import { parseChoice, parsePositiveInt } from './cli-values.js';
import { resolveModel } from './resolve-model.js';

const USAGE = 'Usage: relais plan calibrate run.json --gpu G (--model ID | --model-config FILE | --gguf FILE) [--engine vllm|sglang|tgi|llamacpp] [--quant Q] [--gpus N] [--out FILE] [--json]';

export async function runCalibrate(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, strict: true, allowPositionals: true,
      options: {
        gpu: { type: 'string' }, gpus: { type: 'string' }, model: { type: 'string' }, 'model-config': { type: 'string' }, gguf: { type: 'string' },
        engine: { type: 'string' }, quant: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`relais plan calibrate: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1 || values.gpu === undefined) throw new Error(`one run file and --gpu are required\n${USAGE}`);
    const gpu = getGpu(values.gpu);
    const source = await resolveModel({ model: values.model, modelConfig: values['model-config'], gguf: values.gguf });
    const engine = parseChoice<EngineKind>('engine', values.engine, ['vllm', 'sglang', 'tgi', 'llamacpp']) ?? (source.quantFixed ? 'llamacpp' : 'vllm');
    const quant = values.quant !== undefined ? getQuant(values.quant) : (source.quant ?? getQuant(engine === 'llamacpp' ? 'q4_k_m' : 'bf16'));
    const run = JSON.parse(await readFile(file, 'utf8')) as BenchRun;
    if (run.format !== 'relais-bench-run/1') throw new Error(`${file}: not a relais bench run (format '${String(run.format)}')`);
    const cells = measuredCells(run);
    const spec = { gpu: gpu.id, gpus: parsePositiveInt('gpus', values.gpus) ?? 1, model: source.model.id, quant: quant.id, engine };
    const result = calibrateFromCells(spec, cells, `${file} (${run.date})`, { gpu, model: source.model, quant });
    const out = values.out ?? process.env.RELAIS_CALIBRATION ?? DEFAULT_CALIBRATION_FILE;
    await saveCalibrationEntry(out, result.entry);
    if (values.json) {
      console.log(JSON.stringify({ file: out, entry: result.entry, cells: result.cells, rms_error: result.rmsError }, null, 2));
    } else {
      const e = result.entry;
      console.log(`${engine} on ${gpu.id}: bandwidth share ${e.bandwidth?.toFixed(3)}, compute share ${e.compute?.toFixed(3)}, ${((e.layerOverheadSec ?? 0) * 1e6).toFixed(1)} µs per layer`);
      console.log(`fitted on ${result.cells} cells, rms error ${(result.rmsError * 100).toFixed(1)}%; saved to ${out} — later plans use it and say so`);
    }
    return 0;
  } catch (err) {
    console.error(`relais plan calibrate: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
