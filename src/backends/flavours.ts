// What differs between OpenAI-compatible engines is data, not control flow: where the API lives,
// how to probe health, which metric names carry load.
import type { Endpoint } from '../protocol/canonical.js';
import type { BackendKind } from './backend.js';

export interface MetricNames {
  running?: string;
  waiting?: string;
  /** Gauge in 0..1 (vLLM kv_cache_usage_perc, SGLang token_usage). */
  kvUsage?: string;
  /** Info metric with block_size and num_gpu_blocks labels. */
  cacheConfig?: string;
  /** Counters of prefix-cache queried and hit tokens. */
  prefixQueries?: string;
  prefixHits?: string;
}

export interface Flavour {
  /** Path of the OpenAI-compatible API under the server's root. */
  readonly apiBase: string;
  /** GET this path; 200 means healthy. */
  readonly healthPath: string;
  /** Prometheus endpoint, when the engine has one. */
  readonly metricsPath?: string;
  readonly metrics?: MetricNames;
  /** Endpoints served beyond chat, completions and embeddings (rerank, score). */
  readonly extra?: readonly Endpoint[];
  /** How the engine counts a prompt's tokens: vLLM's /tokenize (chat template applied), SGLang's, llama.cpp server's. */
  readonly tokenize?: 'vllm' | 'sglang' | 'llamacpp';
}

const vllmMetrics: MetricNames = {
  running: 'vllm:num_requests_running',
  waiting: 'vllm:num_requests_waiting',
  kvUsage: 'vllm:kv_cache_usage_perc',
  cacheConfig: 'vllm:cache_config_info',
  prefixQueries: 'vllm:prefix_cache_queries_total',
  prefixHits: 'vllm:prefix_cache_hits_total',
};

export const flavours: Record<Exclude<BackendKind, 'embedded'>, Flavour> = {
  vllm: { apiBase: '/v1', healthPath: '/health', metricsPath: '/metrics', metrics: vllmMetrics, extra: ['rerank', 'score'], tokenize: 'vllm' },
  sglang: {
    apiBase: '/v1',
    healthPath: '/health',
    metricsPath: '/metrics',
    metrics: { running: 'sglang:num_running_reqs', waiting: 'sglang:num_queue_reqs', kvUsage: 'sglang:token_usage' },
    extra: ['rerank'],
    tokenize: 'sglang',
  },
  llamacpp: {
    apiBase: '/v1',
    healthPath: '/health',
    metricsPath: '/metrics',
    metrics: { running: 'llamacpp:requests_processing', waiting: 'llamacpp:requests_deferred', kvUsage: 'llamacpp:kv_cache_usage_ratio' },
    extra: ['rerank'],
    tokenize: 'llamacpp',
  },
  tgi: { apiBase: '/v1', healthPath: '/health', metricsPath: '/metrics', metrics: { waiting: 'tgi_queue_size' } },
  ollama: { apiBase: '/v1', healthPath: '/api/version' },
  openai: { apiBase: '/v1', healthPath: '/v1/models' },
};
