// `relais plan calibrate run.json`: fit this hardware's efficiency factors from a bench run and save them.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BenchRun } from '../bench/run-types.js';
import { getGpu, getQuant } from '../catalog/lookup.js';
import type { EngineKind } from '../perfmodel/types.js';
import { calibrateFromCells, measuredCells } from './calibrate.js';
import { DEFAULT_CALIBRATION_FILE, loadCalibration, saveCalibrationEntry } from './calibration-file.js';
import { buildReplicaModel } from '../perfmodel/index.js';
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
    const out = values.out ?? process.env.RELAIS_CALIBRATION ?? DEFAULT_CALIBRATION_FILE;
    const spec = { gpu: gpu.id, gpus: parsePositiveInt('gpus', values.gpus) ?? 1, model: source.model.id, quant: quant.id, engine };
    const calibration = await loadCalibration(out, false);
    const parts = { gpu, model: source.model, quant };
    const current = calibration ? buildReplicaModel({ ...spec, maxModelLen: 8192 }, calibration, parts).efficiency : undefined;
    const result = calibrateFromCells(spec, cells, `${file} (${run.date})`, parts, current);
    await saveCalibrationEntry(out, result.entry);
    const moves = result.moves.map((m) => ({ factor: m.factor, before: m.before, after: m.after, change: m.after / m.before - 1 }));
    if (values.json) {
      console.log(JSON.stringify({ file: out, entry: result.entry, cells: result.cells, rms_error: result.rmsError, rms_error_before: result.rmsErrorBefore, moves }, null, 2));
    } else {
      console.log(`${engine} on ${gpu.id}, fitted on ${result.cells} cells:`);
      for (const m of moves) console.log(`  ${m.factor.padEnd(18)} ${fmt(m.factor, m.before)} → ${fmt(m.factor, m.after)} (${m.change >= 0 ? '+' : ''}${(m.change * 100).toFixed(0)}%)`);
      console.log(`rms error ${(result.rmsErrorBefore * 100).toFixed(1)}% before, ${(result.rmsError * 100).toFixed(1)}% after; saved to ${out} — later plans use it and say so`);
    }
    return 0;
  } catch (err) {
    console.error(`relais plan calibrate: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

function fmt(factor: string, v: number): string {
  return factor.endsWith('Sec') ? `${(v * 1e6).toFixed(1)} µs` : v.toFixed(3);
}
