// The layout of a bench run file (run.json). Measured runs (relais bench --out) and predicted runs
// (relais plan) share it, so `relais bench compare` can put any two side by side.
// Times are milliseconds from monotonic clocks; token counts are the server's (usage) unless marked.

export const benchRunFormat = 'relais-bench-run/1';

export type JsonLike = string | number | boolean | null | JsonLike[] | { [key: string]: JsonLike };

export interface BenchRun {
  format: typeof benchRunFormat;
  /** 'measured' by relais bench; 'predicted' by the planner (cells carry summaries, no samples). */
  source: 'measured' | 'predicted';
  /** ISO date the run started. */
  date: string;
  tool: { name: string; version: string };
  target: BenchTarget;
  settings: BenchSettings;
  /** How prompt word counts were mapped to server tokens (absent when not calibrated). */
  calibration?: PromptCalibration;
  loadgen: LoadgenInfo;
  cells: BenchCell[];
  /** Result of --find-max: the highest rate per prompt size meeting the SLO. */
  findMax?: FindMaxResult[];
  warnings: string[];
}

export interface BenchTarget {
  url: string;
  model: string;
  endpoint: 'chat' | 'completions';
  /** The endpoint's raw /v1/models answer, or null when it could not be read. */
  models: JsonLike;
  modelsError?: string;
}

export type OutputLength =
  | { kind: 'fixed'; tokens: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean: number; sd: number }
  | { kind: 'exponential'; mean: number };

export type WorkloadSpec =
  | { kind: 'random' }
  | { kind: 'shared-prefix'; groups: number; prefixTokens: number }
  | { kind: 'multi-turn'; turns: number }
  | { kind: 'jsonl'; file: string; prompts: number };

export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  e2eMs?: number;
}

export interface BenchSettings {
  mode: 'concurrency' | 'rate' | 'find-max';
  concurrency: number[];
  rates: number[];
  /** Target prompt sizes; [null] for a JSONL workload (prompts from the file). */
  promptTokens: (number | null)[];
  output: OutputLength;
  requestsPerCell: number;
  warmupPerCell: number;
  workload: WorkloadSpec;
  stream: boolean;
  ignoreEos: boolean;
  temperature: number;
  seed: number;
  timeoutMs: number;
  cellTimeoutMs: number;
  maxErrorRate: number;
  /** Rate mode: cap on requests in flight (null = none). */
  maxConcurrency: number | null;
  slo?: Slo;
  /** --find-max: share of requests that must meet the SLO. */
  sloTarget?: number;
  /** --find-max: each probe issues at least rate × probeSeconds requests (default 10). */
  probeSeconds?: number;
}

export interface PromptCalibration {
  /** Server tokens ≈ slope × words + intercept (intercept ≈ chat template). */
  slope: number;
  intercept: number;
  probes: { words: number; promptTokens: number }[];
}

export interface LoadgenInfo {
  /** The load generator's own ceiling on the reference machine (bench/loadgen-ceiling.ts). */
  ceiling: { requestsPerSecond: number; chunksPerSecond: number; measured: string };
  host: { cpus: number; node: string; platform: string };
}

export interface CellKey {
  /** Closed loop: requests kept in flight. Null in rate mode. */
  concurrency: number | null;
  /** Open loop: Poisson arrival rate (req/s). Null in concurrency mode. */
  rate: number | null;
  /** Target prompt tokens; null for prompts from a file. */
  promptTokens: number | null;
}

export interface BenchCell {
  key: CellKey;
  status: 'ok' | 'na';
  /** Why a cell is n/a (error rate, timeout). */
  reason?: string;
  /** Wall time of the measured part of the cell. */
  durationMs: number;
  samples: RequestSample[];
  /** Null when no measured request succeeded. */
  summary: CellSummary | null;
  /** How busy the load generator was during the cell (measured runs only). */
  loadgen?: { cpuFraction: number; eventLoopDelayP99Ms: number; wallMs: number };
  /** Predicted runs: p10–p90 range of the cell's mean figures (names as in `relais plan --json`). */
  predicted_range?: PredictedRange;
  warnings?: string[];
}

/** [low, high] of predicted means, from the model's out-of-sample error (seconds, tok/s). */
export interface PredictedRange {
  e2e_s_range: [number, number];
  ttft_s_range: [number, number];
  tpot_s_range: [number, number];
  per_user_tok_s_range: [number, number];
  output_tok_s_range: [number, number];
}

export interface RequestSample {
  /** Issue order within the cell. */
  index: number;
  /** Warm-up requests are kept here but excluded from every statistic. */
  warmup: boolean;
  ok: boolean;
  error?: string;
  httpStatus?: number;
  /** Start relative to the cell start. */
  startMs: number;
  e2eMs: number;
  /** Time to the first content token (streaming only). */
  ttftMs?: number;
  /** Gaps between successive content chunks (a chunk may hold more than one token). */
  itlMs?: number[];
  /** (e2e − ttft) / (completion tokens − 1). */
  tpotMs?: number;
  targetPromptTokens?: number;
  maxTokens: number;
  /** As counted by the server (usage); absent when the server sent no usage. */
  promptTokens?: number;
  completionTokens?: number;
  /** Content chunks received. */
  chunks: number;
  group?: number;
  turn?: number;
}

export interface Stat {
  n: number;
  mean: number;
  median: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

export interface CellSummary {
  /** Measured requests (warm-up excluded), successful or not. */
  requests: number;
  completed: number;
  errors: number;
  warmup: number;
  durationS: number;
  e2eMs: Stat;
  ttftMs: Stat | null;
  tpotMs: Stat | null;
  itlMs: Stat | null;
  promptTokens: Stat | null;
  completionTokens: Stat | null;
  /** Completed requests per second. */
  requestThroughput: number;
  outputTokenThroughput: number;
  totalTokenThroughput: number;
  goodput?: { share: number; requestsPerSecond: number };
}

export interface FindMaxResult {
  promptTokens: number | null;
  /** Highest probed rate that met the target; null when even the lowest did not. */
  maxRate: number | null;
  probes: { rate: number; passed: boolean; goodShare: number; achievedRate: number }[];
}

export function cellLabel(key: CellKey): string {
  const load = key.concurrency !== null ? `c=${key.concurrency}` : `rate=${key.rate ?? '?'}/s`;
  return `${load} prompt=${key.promptTokens ?? 'file'}`;
}

export function sameKey(a: CellKey, b: CellKey): boolean {
  return a.concurrency === b.concurrency && a.rate === b.rate && a.promptTokens === b.promptTokens;
}
