// The options of `relais bench` and how they become BenchSettings.
import type { BenchSettings, WorkloadSpec } from './run-types.js';
import { parseChoice, parseDuration, parseNumberList, parseSlo, parseWarmup } from './cli-values.js';
import { parseOutputLength } from './output-length.js';
import { loadJsonlPrompts } from './jsonl-prompts.js';

export const benchOptions = {
  url: { type: 'string' },
  model: { type: 'string' },
  'api-key': { type: 'string' },
  endpoint: { type: 'string', default: 'chat' },
  // No defaults here: the quick or --full preset fills what the command line leaves out.
  concurrency: { type: 'string' },
  'prompt-tokens': { type: 'string' },
  'max-tokens': { type: 'string' },
  requests: { type: 'string' },
  full: { type: 'boolean', default: false },
  warmup: { type: 'string', default: '10%' },
  rate: { type: 'string' },
  'find-max': { type: 'boolean', default: false },
  slo: { type: 'string' },
  'slo-target': { type: 'string', default: '0.9' },
  'probe-seconds': { type: 'string', default: '10' },
  'max-concurrency': { type: 'string' },
  workload: { type: 'string' },
  'prefix-groups': { type: 'string', default: '4' },
  'prefix-tokens': { type: 'string', default: '1024' },
  turns: { type: 'string', default: '4' },
  prompts: { type: 'string' },
  'ignore-eos': { type: 'boolean', default: false },
  'no-stream': { type: 'boolean', default: false },
  'no-calibrate': { type: 'boolean', default: false },
  temperature: { type: 'string', default: '0' },
  seed: { type: 'string', default: '42' },
  timeout: { type: 'string', default: '120s' },
  'cell-timeout': { type: 'string', default: '15m' },
  'max-error-rate': { type: 'string', default: '0.1' },
  out: { type: 'string' },
  csv: { type: 'string' },
  'samples-csv': { type: 'string' },
  html: { type: 'string' },
  metric: { type: 'string', default: 'e2e' },
  stat: { type: 'string', default: 'mean' },
  progress: { type: 'boolean', default: false },
  'no-progress': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export type BenchValues = { [K in keyof typeof benchOptions]?: (typeof benchOptions)[K]['type'] extends 'string' ? string : boolean };

/** A first try takes seconds (4 cells × 22 requests); --full is the grid deployment studies publish (18 cells × 55). */
export const quickPreset = { concurrency: '1,4', 'prompt-tokens': '128,512', 'max-tokens': '64', requests: '20' } as const;
export const fullPreset = { concurrency: '1,2,4,8,16,32', 'prompt-tokens': '128,512,2048', 'max-tokens': '256', requests: '50' } as const;

function positiveInt(option: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${option}: expected a positive integer, got '${v}'`);
  return n;
}

function fraction(option: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${option}: expected a number between 0 and 1, got '${v}'`);
  return n;
}

function workloadFrom(v: BenchValues): WorkloadSpec {
  const kind = parseChoice('workload', v.workload ?? (v.prompts ? 'jsonl' : 'random'), ['random', 'shared-prefix', 'multi-turn', 'jsonl'] as const);
  switch (kind) {
    case 'random':
      return { kind };
    case 'shared-prefix': {
      const prefixTokens = positiveInt('prefix-tokens', v['prefix-tokens'] ?? '1024');
      // --prompt-tokens is the whole prompt, prefix included: each size must leave room for a unique part.
      const sizes = parseNumberList('prompt-tokens', v['prompt-tokens'] ?? '');
      const tooSmall = sizes.filter((p) => p <= prefixTokens);
      if (tooSmall.length > 0) {
        throw new Error(`--prompt-tokens ${tooSmall.join(',')}: with --workload shared-prefix it is the whole prompt, prefix included, so it must be larger than --prefix-tokens ${prefixTokens}`);
      }
      return { kind, groups: positiveInt('prefix-groups', v['prefix-groups'] ?? '4'), prefixTokens };
    }
    case 'multi-turn':
      return { kind, turns: positiveInt('turns', v.turns ?? '4') };
    case 'jsonl': {
      if (!v.prompts) throw new Error('--workload jsonl needs --prompts FILE');
      return { kind, file: v.prompts, prompts: loadJsonlPrompts(v.prompts).length };
    }
  }
}

export function settingsFrom(given: BenchValues): BenchSettings {
  const preset = given.full === true ? fullPreset : quickPreset;
  // Shared-prefix prompts include the prefix: the preset's sizes become unique parts added to it.
  const prefix = given.workload === 'shared-prefix' ? Number(given['prefix-tokens'] ?? '1024') : 0;
  const presetPrompts = Number.isInteger(prefix) && prefix > 0
    ? preset['prompt-tokens'].split(',').map((p) => String(prefix + Number(p))).join(',')
    : preset['prompt-tokens'];
  const v: BenchValues = {
    ...given,
    concurrency: given.concurrency ?? preset.concurrency,
    'prompt-tokens': given['prompt-tokens'] ?? presetPrompts,
    'max-tokens': given['max-tokens'] ?? preset['max-tokens'],
    requests: given.requests ?? preset.requests,
  };
  const requests = positiveInt('requests', v.requests ?? '50');
  const rates = v.rate ? parseNumberList('rate', v.rate, false) : [];
  const findMax = v['find-max'] === true;
  const slo = v.slo ? parseSlo(v.slo) : undefined;
  if (findMax && !slo) throw new Error('--find-max needs --slo (the rate is the highest one meeting it)');
  const workload = workloadFrom(v);
  const settings: BenchSettings = {
    mode: findMax ? 'find-max' : rates.length > 0 ? 'rate' : 'concurrency',
    concurrency: rates.length > 0 || findMax ? [] : parseNumberList('concurrency', v.concurrency ?? '1'),
    rates,
    promptTokens: workload.kind === 'jsonl' ? [null] : parseNumberList('prompt-tokens', v['prompt-tokens'] ?? '128'),
    output: parseOutputLength(v['max-tokens'] ?? '256'),
    requestsPerCell: requests,
    warmupPerCell: parseWarmup(v.warmup ?? '10%', requests),
    workload,
    stream: v['no-stream'] !== true,
    ignoreEos: v['ignore-eos'] === true,
    temperature: Number(v.temperature ?? '0'),
    seed: Number(v.seed ?? '42'),
    timeoutMs: parseDuration('timeout', v.timeout ?? '120s'),
    cellTimeoutMs: parseDuration('cell-timeout', v['cell-timeout'] ?? '15m'),
    maxErrorRate: fraction('max-error-rate', v['max-error-rate'] ?? '0.1'),
    maxConcurrency: v['max-concurrency'] ? positiveInt('max-concurrency', v['max-concurrency']) : null,
  };
  if (slo) settings.slo = slo;
  if (findMax) {
    settings.sloTarget = fraction('slo-target', v['slo-target'] ?? '0.9');
    settings.probeSeconds = Number(v['probe-seconds'] ?? '10');
    if (!(settings.probeSeconds >= 0)) throw new Error(`--probe-seconds: expected a number of seconds, got '${v['probe-seconds'] ?? ''}'`);
  }
  if (!Number.isFinite(settings.temperature) || !Number.isFinite(settings.seed)) throw new Error('--temperature and --seed take numbers');
  return settings;
}

export const benchUsage = `relais bench — load benchmark of an OpenAI-compatible endpoint

Usage:
  relais bench --url URL [--model M] [options]
  relais bench compare a.json b.json [--html compare.html] [--metric e2e] [--stat mean]

Load (closed loop by default: each cell keeps N requests in flight until --requests are done).
The defaults are a quick first look (4 cells, 88 requests of 64 tokens); --full runs the full grid
(--concurrency 1,2,4,8,16,32 --prompt-tokens 128,512,2048 --max-tokens 256 --requests 50: 990 requests).
Any option given on the command line wins over either preset.
  --full                      the full grid instead of the quick one
  --concurrency 1,2,4,...     rows of the grid                               (default 1,4)
  --prompt-tokens 128,512     columns: whole prompt size in server tokens    (default 128,512)
  --max-tokens N|DIST         output length: 256, uniform:64,512, normal:256,64, exponential:256 (default 64)
  --requests N                measured requests per cell (default 20)
  --warmup N|P%               extra warm-up requests per cell, excluded from statistics (default 10%)
  --rate 5,10,20              open loop: Poisson arrivals at these requests/s instead of --concurrency
  --max-concurrency N         cap on requests in flight in rate mode
  --find-max                  search the highest Poisson rate meeting --slo (needs --slo)
  --slo ttft=500ms,tpot=50ms,e2e=10s    goodput: share and rate of requests meeting all of it
  --slo-target 0.9            share of requests that must meet the SLO in --find-max
  --probe-seconds 10          --find-max: each probe sends at least rate × this many requests

Workload:
  --workload random|shared-prefix|multi-turn|jsonl   (default random; jsonl when --prompts is given)
  --prefix-groups N --prefix-tokens P   shared-prefix: N groups sharing a P-token prefix;
                              --prompt-tokens stays the whole prompt (prefix + unique part)
  --turns T                   multi-turn: chats grow for T turns, replies fed back
  --prompts FILE.jsonl        lines with "prompt", "messages" or "conversations", optional "max_tokens"
  --ignore-eos                ask for exactly max tokens (vLLM, SGLang, llama.cpp; dropped if rejected)
  --endpoint chat|completions (default chat)   --no-stream   --temperature T   --seed S
  --no-calibrate              take one word as one token instead of probing the tokenizer

Limits:
  --timeout 120s              per request     --cell-timeout 15m    per cell
  --max-error-rate 0.1        a cell above it is n/a (stopped early) and the sweep goes on

Output:
  --out run.json  --csv cells.csv  --samples-csv requests.csv  --html report.html
  --metric e2e|ttft|tpot|itl  --stat mean|median|p90|p99   figure shown in the grid
  --api-key K (or OPENAI_API_KEY)   --progress / --no-progress   live bar on stderr (default: on a TTY)
`;
