// Public measurements of batched serving (throughput and latency against concurrency), each with its source,
// date and what the figure means. Copied from ../shared/reference/batched-serving.md and the sources named
// below; `derived` says which values were computed here and how. The perfmodel's validation (src/perfmodel/
// validate.ts) uses the rows that name a catalog GPU and model and state their lengths; the rest document.

export type MeasuredEngine = 'vllm' | 'sglang' | 'tgi' | 'trtllm' | 'llamacpp';

export interface MeasurementSource {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  /** When it was published or measured, as precisely as the source says. */
  readonly date: string;
  readonly engine: MeasuredEngine;
  readonly engineVersion: string;
  /** What the load and the figures mean (closed loop vs offered rate, aggregate vs per user, medians vs means). */
  readonly meaning: string;
}

/**
 * - concurrency: closed loop, `level` requests always in flight (vLLM `--max-concurrency`, genai-perf concurrency);
 * - static-batch: exactly `level` sequences started together (vLLM CI latency test, llama.cpp batched-bench);
 * - poisson: open-loop arrivals at `level` requests/s;
 * - offline: `level` requests submitted at once, the engine picks the batch (peak throughput, no latency target).
 */
export type LoadKind = 'concurrency' | 'static-batch' | 'poisson' | 'offline';

export interface BatchedMeasurement {
  readonly source: string;
  /** Catalog GPU id, or null when the GPU is not stated or not in the catalog (then `gpuLabel` says what it was). */
  readonly gpu: string | null;
  readonly gpuLabel: string;
  readonly gpus: number;
  readonly model: string | null;
  readonly modelLabel: string;
  readonly quant: string | null;
  readonly load: LoadKind;
  readonly level: number;
  /** Fixed prompt and output lengths; null when the source uses a dataset (ShareGPT) or does not say. */
  readonly promptTokens: number | null;
  readonly outputTokens: number | null;
  readonly ttftMs?: number;
  /** Time per output token after the first (per user). */
  readonly tpotMs?: number;
  /** Inter-token latency (per user; NIM/genai-perf report it as the mean gap between tokens). */
  readonly itlMs?: number;
  readonly e2eMs?: number;
  /** Aggregate output tokens/s of the whole deployment. */
  readonly outputTokS?: number;
  readonly requestsPerSec?: number;
  /** Closed-loop latency relative to one request in flight, where only that ratio is published. */
  readonly e2eRatioToOne?: number;
  /** Values computed here from the source's own, with the formula. */
  readonly derived?: string;
  /** Why only the shape (latency relative to the lightest load) is used, not the absolute speed. */
  readonly shapeOnly?: string;
  readonly notes?: string;
}

export const MEASUREMENT_SOURCES: readonly MeasurementSource[] = [
  {
    id: 'nim-1.8-llama-3.3-70b', title: 'NVIDIA NIM for LLMs benchmarking, Performance page (Llama-3.3-70B-Instruct, NIM 1.8.0)',
    url: 'https://docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance.md', date: 'NIM 1.8.0 (2025)', engine: 'trtllm', engineVersion: 'NIM 1.8.0 (TensorRT-LLM)',
    meaning: 'genai-perf closed-loop concurrency; TTFT and ITL are per-user means, throughput is aggregate output tok/s',
  },
  {
    id: 'nim-1.8-llama-3.1-8b', title: 'NVIDIA NIM for LLMs benchmarking, Performance page (Llama-3.1-8B-Instruct, NIM 1.8.0)',
    url: 'https://docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance.md', date: 'NIM 1.8.0 (2025)', engine: 'trtllm', engineVersion: 'NIM 1.8.0 (TensorRT-LLM)',
    meaning: 'genai-perf closed-loop concurrency; GPU, precision and lengths not captured (implied FP8 on an H100-class GPU)',
  },
  {
    id: 'nim-1.3-llama-3.1-70b', title: 'NVIDIA NIM performance tables, llm-1_3-llama3_1-70b (first table)',
    url: 'https://docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance-tables/llm-1_3-llama3_1-70b.html', date: 'NIM 1.3.0 (2024)', engine: 'trtllm', engineVersion: 'NIM 1.3.0',
    meaning: 'genai-perf closed-loop concurrency; GPU, precision and lengths of this table not captured',
  },
  {
    id: 'vllm-ci-latency', title: 'vLLM CI "Performance Benchmark" (Buildkite builds 9513, 9523, 9555), latency test',
    url: 'https://buildkite.com/vllm/performance-benchmark/builds/9523', date: 'builds 9513–9555 (2024; date not captured)', engine: 'vllm', engineVersion: 'not stated (2024 main branch)',
    meaning: 'static batch of 8 requests, 32 prompt / 128 output tokens, mean end-to-end latency of the batch',
  },
  {
    id: 'vllm-ci-throughput', title: 'vLLM CI "Performance Benchmark", throughput and serving tests',
    url: 'https://buildkite.com/vllm/performance-benchmark/builds/9523', date: 'builds 9513–9555 (2024; date not captured)', engine: 'vllm', engineVersion: 'not stated (2024 main branch)',
    meaning: '200 ShareGPT prompts, offline (all at once) or Poisson QPS; lengths follow the dataset',
  },
  {
    id: 'sglang-0.3-vs-vllm-0.6', title: 'SGLang repository, benchmark/benchmark_vllm_060/README.md (commit 120affb)',
    url: 'https://github.com/sgl-project/sglang/blob/120affb/benchmark/benchmark_vllm_060/README.md', date: '2024-09', engine: 'sglang', engineVersion: 'SGLang 0.3.0 and vLLM 0.6.0',
    meaning: 'ShareGPT via sglang.bench_serving, Poisson request rates or offline; latencies are medians; vLLM ran --num-scheduler-steps 10 (inflates ITL)',
  },
  {
    id: 'lambda-vllm-0.5.4', title: 'LambdaLabsML/vllm-benchmark benchmark_v0.md (commit 0e8fc5d)',
    url: 'https://github.com/LambdaLabsML/vllm-benchmark/blob/0e8fc5d/benchmark_v0.md', date: '2024-09', engine: 'vllm', engineVersion: 'vLLM 0.5.4 (and 0.6.0)',
    meaning: 'ShareGPT, benchmark_serving.py; 320 (or 5000) prompts at rate inf: offline peak, aggregate output tok/s',
  },
  {
    id: 'vllm-blog-0.6', title: 'vLLM blog, "vLLM v0.6.0: 2.7x Throughput Improvement and 5x Latency Reduction"',
    url: 'https://blog.vllm.ai/2024/09/05/perf-update.html', date: '2024-09-05', engine: 'vllm', engineVersion: 'vLLM before 0.6.0',
    meaning: 'figures from the text only; "1 token every 13 ms" under light load for Llama 3 8B on one H100',
  },
  {
    id: 'trtllm-perf-overview', title: 'TensorRT-LLM docs/source/performance/perf-overview.md (commit 00f3768)',
    url: 'https://github.com/NVIDIA/TensorRT-LLM/blob/00f3768/docs/source/performance/perf-overview.md', date: '2025 (TensorRT-LLM ≈1.0)', engine: 'trtllm', engineVersion: 'TensorRT-LLM ≈1.0, PyTorch backend',
    meaning: 'trtllm-bench offline maximum throughput, requests at an infinite rate, fixed ISL/OSL; aggregate output tok/s per GPU group',
  },
  {
    id: 'yobitelcomm-h100', title: 'yobitelcomm InferenceBench, recipe "concurrency sweep"',
    url: 'https://yobitelcomm.github.io/bench/recipes/concurrency-sweep/', date: '2026-05-16', engine: 'vllm', engineVersion: 'vLLM 0.21.0',
    meaning: 'closed-loop concurrency, workload llm.inference.chatbot-short (lengths not given); aggregate tok/s, p50 TTFT and TPOT',
  },
  {
    id: 'musgrave-a100-40g', title: 'John Musgrave, "vLLM throughput-latency sweep on NVIDIA A100"',
    url: 'https://johnmusgrave.com/p/vllm-throughput-latency-sweep-on', date: '2026 (vLLM 0.23.0)', engine: 'vllm', engineVersion: 'vLLM 0.23.0',
    meaning: 'vllm bench serve, random 1024 in / 128 out with --ignore-eos, --max-concurrency C, 20×C prompts; only the summary was captured',
  },
  {
    id: 'mushfiqrahman-4090', title: 'Mushfiqur Rahman, vLLM capacity planning on an RTX 4090 (Mistral-7B-Instruct-v0.3)',
    url: 'https://mushfiqrahman.dev/?p=1668', date: '2025 (vLLM version not stated)', engine: 'vllm', engineVersion: 'not stated',
    meaning: '300 prompts, 256 in / 128 out, rate inf with a max concurrency (closed loop); req/s, aggregate output tok/s, TTFT',
  },
  {
    id: 'vllm-issue-20710', title: 'vLLM issue #20710 (2× B200, Llama-3.3-70B FP8)',
    url: 'https://github.com/vllm-project/vllm/issues/20710', date: '2025-07-09', engine: 'vllm', engineVersion: 'vLLM 0.9.0',
    meaning: 'genai-bench, 512 in / 512 out, closed-loop concurrency',
  },
  {
    id: 'vultr-b200', title: 'Vultr inference cookbook, concurrency tuning (vLLM on HGX B200)',
    url: 'https://docs.vultr.com/inference-cookbook/cuda/optimization/concurrency-tuning', date: '2026-03-11', engine: 'vllm', engineVersion: 'vLLM 0.16.0',
    meaning: 'random 2048 in / 512 out, closed-loop concurrency; aggregate output tok/s, per-user TPOT',
  },
  {
    id: 'llamacpp-batched-bench', title: 'llama.cpp examples/batched-bench/README.md (commit 026bb1b)',
    url: 'https://github.com/ggerganov/llama.cpp/blob/026bb1b/examples/batched-bench/README.md', date: '2023-10', engine: 'llamacpp', engineVersion: 'llama.cpp (2023)',
    meaning: 'static batch B, prompt not shared, PP 128 / TG 128; S_TG is aggregate generation tok/s; GPU and weights type not stated',
  },
];

type Row = Omit<BatchedMeasurement, 'source' | 'gpu' | 'gpuLabel' | 'gpus' | 'model' | 'modelLabel' | 'quant' | 'load' | 'promptTokens' | 'outputTokens'>;
type Shared = Omit<BatchedMeasurement, keyof Row | 'level'>;

function series(shared: Shared, rows: readonly (Row & { level: number })[]): BatchedMeasurement[] {
  return rows.map((r) => ({ ...shared, ...r }));
}

const NIM70 = 'e2eMs = TTFT + 499 × ITL (500 output tokens)';

export const BATCHED_MEASUREMENTS: readonly BatchedMeasurement[] = [
  ...series(
    { source: 'nim-1.8-llama-3.3-70b', gpu: 'h100-sxm', gpuLabel: 'H100 80GB (SXM assumed)', gpus: 2, model: 'llama-3.3-70b', modelLabel: 'Llama-3.3-70B-Instruct', quant: 'fp8', load: 'concurrency', promptTokens: 5000, outputTokens: 500 },
    [
      { level: 1, ttftMs: 406.77, itlMs: 18.58, outputTokS: 51.67, e2eMs: 406.77 + 499 * 18.58, derived: NIM70 },
      { level: 5, ttftMs: 546.7, itlMs: 21.83, outputTokS: 218.48, e2eMs: 546.7 + 499 * 21.83, derived: NIM70 },
      { level: 25, ttftMs: 688.69, itlMs: 38.75, outputTokS: 623.4, e2eMs: 688.69 + 499 * 38.75, derived: NIM70 },
      { level: 50, ttftMs: 834.51, itlMs: 59.73, outputTokS: 814.37, e2eMs: 834.51 + 499 * 59.73, derived: NIM70 },
      { level: 100, ttftMs: 7996.25, itlMs: 92.91, outputTokS: 917.26, e2eMs: 7996.25 + 499 * 92.91, derived: NIM70, notes: 'saturated: TTFT jumps (queueing)' },
      { level: 150, ttftMs: 34794.22, itlMs: 92.86, outputTokS: 920.9, e2eMs: 34794.22 + 499 * 92.86, derived: NIM70 },
      { level: 200, ttftMs: 61680.22, itlMs: 93.06, outputTokS: 920.54, e2eMs: 61680.22 + 499 * 93.06, derived: NIM70 },
      { level: 250, ttftMs: 88605.32, itlMs: 93.2, outputTokS: 920.12, e2eMs: 88605.32 + 499 * 93.2, derived: NIM70 },
    ],
  ),
  {
    source: 'nim-1.8-llama-3.3-70b', gpu: 'h100-sxm', gpuLabel: 'H100 80GB (SXM assumed)', gpus: 2, model: 'llama-3.3-70b', modelLabel: 'Llama-3.3-70B-Instruct',
    quant: 'fp8', load: 'concurrency', level: 1, promptTokens: 500, outputTokens: 2000, ttftMs: 47.77, itlMs: 18.91, outputTokS: 52.85,
    notes: 'only the first row of the 500/2000 table was captured',
  },
  ...series(
    { source: 'nim-1.8-llama-3.1-8b', gpu: null, gpuLabel: 'not captured (implied H100-class)', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B-Instruct', quant: null, load: 'concurrency', promptTokens: null, outputTokens: null },
    [
      { level: 1, ttftMs: 10.26, itlMs: 4.63, outputTokS: 214.56 },
      { level: 5, ttftMs: 16.81, itlMs: 4.58, outputTokS: 1076.88 },
      { level: 25, ttftMs: 36.34, itlMs: 5.19, outputTokS: 4678.88 },
      { level: 50, ttftMs: 67.41, itlMs: 5.91, outputTokS: 8018.23 },
      { level: 100, ttftMs: 119.97, itlMs: 7.57, outputTokS: 12214.97 },
      { level: 150, ttftMs: 346.53, itlMs: 9.81, outputTokS: 12988.89 },
      { level: 200, ttftMs: 465.18, itlMs: 12.65, outputTokS: 13348.4 },
      { level: 250, ttftMs: 605.6, itlMs: 16.14, outputTokS: 12964.72 },
    ],
  ),
  ...series(
    { source: 'nim-1.3-llama-3.1-70b', gpu: null, gpuLabel: 'not captured', gpus: 1, model: 'llama-3.1-70b', modelLabel: 'Llama-3.1-70B-Instruct', quant: null, load: 'concurrency', promptTokens: null, outputTokens: null },
    [
      { level: 1, ttftMs: 25.05, itlMs: 13.21, outputTokS: 75.36 },
      { level: 25, ttftMs: 146.11, itlMs: 15.31, outputTokS: 1564.9 },
      { level: 100, ttftMs: 235.17, itlMs: 23.28, outputTokS: 4092.34 },
      { level: 250, ttftMs: 718.98, itlMs: 35.25, outputTokS: 6429.95 },
    ],
  ),
  ...[
    { gpu: 'a100-80g', gpuLabel: 'A100-SXM4-80GB', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B', e2eMs: 1579.27 },
    { gpu: 'h100-sxm', gpuLabel: 'H100 (8xH100 node)', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B', e2eMs: 997.542 },
    { gpu: 'h200', gpuLabel: 'H200', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B', e2eMs: 834.059 },
    { gpu: 'a100-80g', gpuLabel: 'A100-SXM4-80GB', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B (same architecture as 3.1)', e2eMs: 3990.59 },
    { gpu: 'h100-sxm', gpuLabel: 'H100 (8xH100 node)', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B (same architecture as 3.1)', e2eMs: 2444.47 },
    { gpu: 'h200', gpuLabel: 'H200', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B (same architecture as 3.1)', e2eMs: 2075.08 },
    { gpu: 'a100-80g', gpuLabel: 'A100-SXM4-80GB', gpus: 2, model: 'mixtral-8x7b', modelLabel: 'Mixtral-8x7B', e2eMs: 3643.84 },
    { gpu: 'h100-sxm', gpuLabel: 'H100 (8xH100 node)', gpus: 2, model: 'mixtral-8x7b', modelLabel: 'Mixtral-8x7B', e2eMs: 2326.97 },
  ].map((r): BatchedMeasurement => ({ source: 'vllm-ci-latency', quant: 'bf16', load: 'static-batch', level: 8, promptTokens: 32, outputTokens: 128, ...r })),
  ...[
    { gpu: 'a100-80g', gpuLabel: 'A100-SXM4-80GB', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B', requestsPerSec: 11.0567 },
    { gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B', requestsPerSec: 19.5005 },
    { gpu: 'h200', gpuLabel: 'H200', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B', requestsPerSec: 21.8334 },
    { gpu: 'a100-80g', gpuLabel: 'A100-SXM4-80GB', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B', requestsPerSec: 4.78859 },
    { gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B', requestsPerSec: 8.86239 },
    { gpu: 'h200', gpuLabel: 'H200', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B', requestsPerSec: 9.74671 },
  ].map((r): BatchedMeasurement => ({ source: 'vllm-ci-throughput', quant: 'bf16', load: 'offline', level: 200, promptTokens: null, outputTokens: null, ...r })),
  {
    source: 'vllm-ci-throughput', gpu: 'h200', gpuLabel: 'H200', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3-70B', quant: 'bf16', load: 'poisson', level: 1,
    promptTokens: null, outputTokens: null, requestsPerSec: 0.989745, ttftMs: 65.8942, itlMs: 16.5538,
  },
  ...[
    { engine: 'vllm 0.6.0', gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', level: 4, e2eMs: 1691.97, ttftMs: 100.48, tpotMs: 14.14, itlMs: 129.32 },
    { engine: 'sglang 0.3.0', gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', level: 4, e2eMs: 1564.17, ttftMs: 31.98, tpotMs: 13.17, itlMs: 11.93 },
    { engine: 'vllm 0.6.0', gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', level: 8, e2eMs: 2137.16, ttftMs: 120.39, tpotMs: 17.09, itlMs: 158.63 },
    { engine: 'sglang 0.3.0', gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', level: 8, e2eMs: 2175.02, ttftMs: 35.68, tpotMs: 17.85, itlMs: 14.41 },
    { engine: 'vllm 0.6.0', gpu: 'h100-sxm', gpus: 4, model: 'llama-3.1-70b', level: 4, e2eMs: 2915.6, ttftMs: 179.15, tpotMs: 23.58, itlMs: 231.23 },
    { engine: 'sglang 0.3.0', gpu: 'h100-sxm', gpus: 4, model: 'llama-3.1-70b', level: 4, e2eMs: 3005.24, ttftMs: 53.94, tpotMs: 25.03, itlMs: 21.67 },
    { engine: 'vllm 0.6.0', gpu: 'h100-sxm', gpus: 4, model: 'llama-3.1-70b', level: 8, e2eMs: 3752.38, ttftMs: 207.12, tpotMs: 29.15, itlMs: 275.32 },
    { engine: 'sglang 0.3.0', gpu: 'h100-sxm', gpus: 4, model: 'llama-3.1-70b', level: 8, e2eMs: 4064.98, ttftMs: 58.11, tpotMs: 33.07, itlMs: 24.45 },
  ].map(({ engine, ...r }): BatchedMeasurement => ({
    source: 'sglang-0.3-vs-vllm-0.6', gpuLabel: r.gpus === 1 ? 'A100 80G' : 'H100 80G', modelLabel: `${r.model} Instruct`, quant: 'bf16', load: 'poisson',
    promptTokens: null, outputTokens: null, notes: `${engine}; medians; ShareGPT`, ...r,
  })),
  ...[
    { engine: 'vllm 0.6.0', gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', requestsPerSec: 21.27, outputTokS: 4132.37 },
    { engine: 'sglang 0.3.0', gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', requestsPerSec: 22.03, outputTokS: 4281.51 },
    { engine: 'vllm 0.6.0', gpu: 'h100-sxm', gpus: 4, model: 'llama-3.1-70b', requestsPerSec: 19.04, outputTokS: 3700.64 },
    { engine: 'sglang 0.3.0', gpu: 'h100-sxm', gpus: 4, model: 'llama-3.1-70b', requestsPerSec: 19.84, outputTokS: 3856.01 },
  ].map(({ engine, ...r }): BatchedMeasurement => ({
    source: 'sglang-0.3-vs-vllm-0.6', gpuLabel: r.gpus === 1 ? 'A100 80G' : 'H100 80G', modelLabel: `${r.model} Instruct`, quant: 'bf16', load: 'offline', level: 5000,
    promptTokens: null, outputTokens: null, notes: `${engine}; ShareGPT`, ...r,
  })),
  ...[
    { gpu: 'a100-80g', gpuLabel: 'A100-80GB-SXM', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Meta-Llama-3.1-8B-FP8', quant: 'fp8', outputTokS: 1517.54, itlMs: 42.85, notes: 'the A100 has no FP8 tensor cores (weight-only FP8 there)' },
    { gpu: 'h100-sxm', gpuLabel: 'H100-80GB-SXM', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Meta-Llama-3.1-8B-FP8', quant: 'fp8', outputTokS: 3400.4, itlMs: 19.75 },
    { gpu: 'a100-80g', gpuLabel: 'A100-80GB-SXM', gpus: 1, model: 'mistral-7b-v0.3', modelLabel: 'Mistral-7B-Instruct-v0.3', quant: 'bf16', outputTokS: 1591.4, itlMs: 56.51 },
    { gpu: 'h100-sxm', gpuLabel: 'H100-80GB-SXM', gpus: 1, model: 'mistral-7b-v0.3', modelLabel: 'Mistral-7B-Instruct-v0.3', quant: 'bf16', outputTokS: 3281.19, itlMs: 27.23 },
    { gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 1, model: 'llama-3.1-70b', modelLabel: 'Llama-3.1-70B-Instruct-FP8', quant: 'fp8', outputTokS: 418.92, itlMs: 35.84 },
    { gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 2, model: 'llama-3.1-70b', modelLabel: 'Llama-3.1-70B-Instruct-FP8', quant: 'fp8', outputTokS: 1727.69, itlMs: 49.33 },
    { gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 4, model: 'llama-3.1-70b', modelLabel: 'Llama-3.1-70B-Instruct-FP8', quant: 'fp8', outputTokS: 2242.99, itlMs: 38.26 },
    { gpu: 'a100-80g', gpuLabel: 'A100', gpus: 2, model: 'mixtral-8x7b', modelLabel: 'Mixtral-8x7B-Instruct-v0.1', quant: 'bf16', outputTokS: 1017.34, itlMs: 67.24 },
    { gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 2, model: 'mixtral-8x7b', modelLabel: 'Mixtral-8x7B-Instruct-v0.1', quant: 'bf16', outputTokS: 1430.42, itlMs: 38.08 },
  ].map((r): BatchedMeasurement => ({
    source: 'lambda-vllm-0.5.4', load: 'offline', level: 320, promptTokens: null, outputTokens: null, ...r,
    notes: `${r.notes ? `${r.notes}; ` : ''}"latency ms" as the report names it (its metrics section names inter-token latency)`,
  })),
  {
    source: 'vllm-blog-0.6', gpu: 'h100-sxm', gpuLabel: 'H100', gpus: 1, model: 'llama-3-8b', modelLabel: 'Llama 3 8B', quant: null, load: 'concurrency', level: 1,
    promptTokens: null, outputTokens: null, itlMs: 13, notes: '"1 token every 13 ms" under light load, before v0.6.0 (CPU overheads the release removed)',
  },
  ...[
    { gpu: 'h100-sxm', gpus: 1, model: 'llama-3.1-8b', p: 128, o: 128, t: 28312 },
    { gpu: 'h100-sxm', gpus: 1, model: 'llama-3.1-8b', p: 1000, o: 1000, t: 15220 },
    { gpu: 'h100-sxm', gpus: 1, model: 'llama-3.1-8b', p: 2048, o: 2048, t: 9305 },
    { gpu: 'h100-sxm', gpus: 1, model: 'llama-3.1-8b', p: 5000, o: 500, t: 3459 },
    { gpu: 'h200', gpus: 1, model: 'llama-3.1-8b', p: 1000, o: 1000, t: 17744 },
    { gpu: 'h100-sxm', gpus: 2, model: 'llama-3.3-70b', p: 128, o: 128, t: 6378 },
    { gpu: 'h100-sxm', gpus: 2, model: 'llama-3.3-70b', p: 1000, o: 1000, t: 4205 },
    { gpu: 'h100-sxm', gpus: 2, model: 'llama-3.3-70b', p: 5000, o: 500, t: 898 },
    { gpu: 'h200', gpus: 1, model: 'llama-3.3-70b', p: 1000, o: 1000, t: 2909 },
  ].map((r): BatchedMeasurement => ({
    source: 'trtllm-perf-overview', gpu: r.gpu, gpuLabel: r.gpu, gpus: r.gpus, model: r.model, modelLabel: r.model, quant: 'fp8', load: 'offline', level: 0,
    promptTokens: r.p, outputTokens: r.o, outputTokS: r.t, notes: 'offline maximum throughput; level 0 = as many requests as the engine takes',
  })),
  ...[
    { level: 1, outputTokS: 122.2, ttftMs: 13.98, tpotMs: 6.48 },
    { level: 4, outputTokS: 580.3, ttftMs: 22.75, tpotMs: 6.59 },
    { level: 16, outputTokS: 1384.2, ttftMs: 41.69, tpotMs: 10.94 },
    { level: 64, outputTokS: 1312.3, ttftMs: 86.92, tpotMs: 46.91 },
  ].map((r): BatchedMeasurement => ({
    source: 'yobitelcomm-h100', gpu: 'h100-sxm', gpuLabel: 'H100-80GB-HBM3', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B-Instruct', quant: 'fp16',
    load: 'concurrency', promptTokens: null, outputTokens: null, notes: 'p50 TTFT and TPOT; saturates early compared with other sources', ...r,
  })),
  {
    source: 'musgrave-a100-40g', gpu: 'a100-40g', gpuLabel: 'A100 40GB', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B-Instruct', quant: 'bf16',
    load: 'concurrency', level: 1, promptTokens: 1024, outputTokens: 128, tpotMs: 1000 / 75, derived: 'tpotMs = 1000 / 75 tok/s ("decode at one request runs at about 75 tokens/sec")',
  },
  {
    source: 'musgrave-a100-40g', gpu: 'a100-40g', gpuLabel: 'A100 40GB', gpus: 1, model: 'llama-3.1-8b', modelLabel: 'Llama-3.1-8B-Instruct', quant: 'bf16',
    load: 'concurrency', level: 8, promptTokens: 1024, outputTokens: 128, e2eRatioToOne: 8 / 6.6,
    derived: 'closed loop: latency = C / throughput, so L(8)/L(1) = 8 / 6.6 ("a 6.6x gain" in throughput at C=8)',
  },
  ...[
    { level: 4, requestsPerSec: 2.09, outputTokS: 210, ttftMs: 63 },
    { level: 8, requestsPerSec: 3.78, outputTokS: 377, ttftMs: 79 },
    { level: 16, requestsPerSec: 6.44, outputTokS: 644, ttftMs: 155 },
    { level: 32, requestsPerSec: 9.73, outputTokS: 975, ttftMs: 362 },
    { level: 48, requestsPerSec: 11.87, outputTokS: 1190, ttftMs: 667 },
  ].map((r): BatchedMeasurement => ({
    source: 'mushfiqrahman-4090', gpu: 'rtx-4090', gpuLabel: 'RTX 4090 24GB', gpus: 1, model: 'mistral-7b-v0.3', modelLabel: 'Mistral-7B-Instruct-v0.3', quant: 'bf16',
    load: 'concurrency', promptTokens: 256, outputTokens: 128, e2eMs: (r.level / r.requestsPerSec) * 1000,
    derived: 'e2eMs = concurrency / req/s (Little\'s law for a closed loop)',
    shapeOnly: 'precision not stated: at bf16 the C=4 point would stream the weights at 99% of the 4090\'s bandwidth, so the weights were probably 8-bit', ...r,
  })),
  ...[
    { level: 1, ttftMs: 50, e2eMs: 8290, outputTokS: 35.04 },
    { level: 16, ttftMs: 70, e2eMs: 5990, outputTokS: 49.97 },
  ].map((r): BatchedMeasurement => ({
    source: 'vllm-issue-20710', gpu: null, gpuLabel: '2× B200 (not in the catalog)', gpus: 2, model: 'llama-3.3-70b', modelLabel: 'Llama-3.3-70B FP8', quant: 'fp8',
    load: 'concurrency', promptTokens: 512, outputTokens: 512, notes: 'output speed per request as genai-bench reports it; C=1 slower than C=16 (reported as a bug)', ...r,
  })),
  ...[
    { level: 1, outputTokS: 277, ttftMs: 362, tpotMs: 2.91 },
    { level: 8, outputTokS: 1881, ttftMs: 152, tpotMs: 3.96 },
    { level: 16, outputTokS: 3455, ttftMs: 160, tpotMs: 4.32 },
    { level: 64, outputTokS: 8120, ttftMs: 324, tpotMs: 6.74 },
    { level: 128, outputTokS: 11556, ttftMs: 520, tpotMs: 8.91 },
    { level: 256, outputTokS: 15552, ttftMs: 1254, tpotMs: 11.77 },
    { level: 512, outputTokS: 18746, ttftMs: 2610, tpotMs: 15.46 },
  ].map((r): BatchedMeasurement => ({
    source: 'vultr-b200', gpu: null, gpuLabel: '2× B200 (not in the catalog)', gpus: 2, model: null, modelLabel: 'Nemotron Nano 30B (not in the catalog)', quant: 'fp8',
    load: 'concurrency', promptTokens: 2048, outputTokens: 512, ...r,
  })),
  ...[
    { level: 1, outputTokS: 41.57 }, { level: 2, outputTokS: 50.9 }, { level: 4, outputTokS: 74.44 },
    { level: 8, outputTokS: 139.43 }, { level: 16, outputTokS: 242.23 }, { level: 32, outputTokS: 465.4 },
  ].map((r): BatchedMeasurement => ({
    source: 'llamacpp-batched-bench', gpu: null, gpuLabel: 'not stated', gpus: 1, model: null, modelLabel: 'LLaMA 7B (weights type not stated)', quant: null,
    load: 'static-batch', promptTokens: 128, outputTokens: 128, ...r,
  })),
];
