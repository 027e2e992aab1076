// relais models list | inspect FILE [--json] | pull hf:OWNER/REPO/FILE.gguf
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GgufError, readGguf } from '../engine/gguf-reader.js';
import { describeEstimate, estimateMemory } from '../engine/memory-estimate.js';
import { formatBytes, formatParameters, modelInfo, type ModelInfo } from '../engine/model-info.js';
import { listGgufFiles } from '../engine/model-registry.js';
import { defaultModelsDir } from '../engine/models-dir.js';
import { parsePullSpec, pullModel, PullError } from '../engine/pull.js';
import { ProgressBar } from './progress.js';

const usage = `Usage:
  relais models list [--dir DIR] [--json]
  relais models inspect FILE|NAME [--dir DIR] [--context N] [--parallel N] [--json]
  relais models pull hf:OWNER/REPO/FILE.gguf[@REVISION] [--dir DIR]

The models directory is --dir, else RELAIS_MODELS_DIR, else ./.relais/models.
pull uses RELAIS_HF_ENDPOINT (default https://huggingface.co) and HF_TOKEN for gated models.`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

async function list(dir: string, json: boolean): Promise<number> {
  const files = await listGgufFiles(dir);
  const rows: Array<{ name: string; info?: ModelInfo; error?: string; size: number }> = [];
  for (const f of files) {
    try {
      rows.push({ name: f.name, info: modelInfo(await readGguf(f.path)), size: f.sizeBytes });
    } catch (err) {
      rows.push({ name: f.name, error: err instanceof GgufError ? err.reason : String(err), size: f.sizeBytes });
    }
  }
  if (json) {
    console.log(JSON.stringify(rows.map((r) => (r.info ? { ...r.info } : { name: r.name, fileSize: r.size, error: r.error })), null, 2));
    return 0;
  }
  if (rows.length === 0) {
    console.log(`No models in ${dir}. Add one with 'relais models pull hf:OWNER/REPO/FILE.gguf', copy a .gguf file there, or try 'relais serve --demo'.`);
    return 0;
  }
  const out = [['NAME', 'ARCH', 'PARAMS', 'QUANT', 'SIZE', 'CONTEXT']];
  for (const r of rows) {
    if (r.info) {
      out.push([r.name, r.info.architecture, formatParameters(r.info.parameters), r.info.quantization, formatBytes(r.size), String(r.info.contextLength ?? '?')]);
    } else {
      out.push([r.name, 'invalid', '-', '-', formatBytes(r.size), r.error ?? '']);
    }
  }
  console.log(table(out));
  return 0;
}

async function resolveFile(target: string, dir: string): Promise<string> {
  if ((await stat(target).catch(() => undefined))?.isFile()) return target;
  const inDir = join(dir, target.endsWith('.gguf') ? target : `${target}.gguf`);
  if ((await stat(inDir).catch(() => undefined))?.isFile()) return inDir;
  throw new Error(`no such model file: ${target} (looked in the current directory and ${dir})`);
}

async function inspect(target: string, dir: string, context: number | undefined, parallel: number, json: boolean): Promise<number> {
  const file = await readGguf(await resolveFile(target, dir));
  const info = modelInfo(file);
  const ctx = context ?? Math.min(info.contextLength ?? 4096, 4096);
  const est = estimateMemory(info, ctx, parallel);
  if (json) {
    console.log(JSON.stringify({ ...info, memory: est }, null, 2));
    return 0;
  }
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  const types = Object.entries(info.tensorTypes).map(([t, n]) => `${t} ×${n}`).join(', ');
  console.log(
    table([
      ['file', info.path],
      ['name', `${info.name}${info.displayName ? ` (${info.displayName})` : ''}`],
      ['format', `GGUF v${info.ggufVersion}, ${formatBytes(info.fileSize)}`],
      ['architecture', info.architecture],
      ['parameters', `${formatParameters(info.parameters)} (${info.parameters})`],
      ['quantization', `${info.quantization} (tensors: ${types})`],
      ['layers', String(info.layers ?? '?')],
      ['embedding', String(info.embeddingLength ?? '?')],
      ['heads', `${info.heads ?? '?'} (KV heads ${info.kvHeads ?? '?'})`],
      ['context', String(info.contextLength ?? '?')],
      ['vocabulary', `${info.vocabSize ?? '?'} (${info.tokenizer ?? '?'} tokenizer)`],
      ['chat template', `${yes(info.chatTemplate)}${info.chatTemplate ? `, tools ${yes(info.chatTemplateSupportsTools)}` : ''}`],
      ['fill-in-middle', yes(info.fim)],
      ['memory', describeEstimate(est)],
    ]),
  );
  return 0;
}

async function pull(spec: string, dir: string): Promise<number> {
  const parsed = parsePullSpec(spec);
  const bar = new ProgressBar(`pull ${parsed.file.split('/').pop() ?? parsed.file}`);
  const startedAt = performance.now();
  let last = { done: 0, total: 0 };
  const result = await pullModel(parsed, {
    dir,
    token: process.env.HF_TOKEN,
    onProgress: (p) => {
      last = { done: p.done, total: p.total };
      const mbps = (p.done - p.resumedFrom) / 1e6 / Math.max(0.001, (performance.now() - startedAt) / 1000);
      bar.update({ done: p.done, total: p.total, detail: `${formatBytes(p.done)} · ${mbps.toFixed(1)} MB/s${p.resumedFrom > 0 ? ` · resumed at ${formatBytes(p.resumedFrom)}` : ''}` });
    },
  });
  bar.finish({ done: last.done || result.bytes, total: last.total || result.bytes });
  console.log(`${result.path} (${formatBytes(result.bytes)}${result.resumedFrom > 0 ? `, resumed from ${formatBytes(result.resumedFrom)}` : ''}${result.sha256Verified ? ', sha256 verified' : ', size verified'})`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      context: { type: 'string' },
      parallel: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [sub, target] = positionals;
  if (values.help || sub === undefined) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const dir = values.dir ?? defaultModelsDir();
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${v}'`);
    return n;
  };
  try {
    switch (sub) {
      case 'list':
        return await list(dir, values.json === true);
      case 'inspect':
        if (!target) break;
        return await inspect(target, dir, int('context', values.context), int('parallel', values.parallel) ?? 1, values.json === true);
      case 'pull':
        if (!target) break;
        return await pull(target, dir);
      default:
        console.error(`relais models: unknown subcommand '${sub}'\n\n${usage}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof PullError || err instanceof GgufError) {
      console.error(`relais models ${sub}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  console.error(`relais models ${sub}: missing argument\n\n${usage}`);
  return 2;
}
