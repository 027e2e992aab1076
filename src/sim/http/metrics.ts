// vLLM's Prometheus names for one simulated replica. Times are simulated seconds.
import type { Engine } from '../engine.js';
import { Histogram, ITL_BUCKETS, REQUEST_LATENCY_BUCKETS, TTFT_BUCKETS } from './histogram.js';

export class ReplicaMetrics {
  readonly ttft = new Histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
  readonly itl = new Histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS);
  readonly e2e = new Histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY_BUCKETS);
  readonly queue = new Histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', REQUEST_LATENCY_BUCKETS);
  /** Finished requests by reason (vllm:request_success_total{finished_reason}). */
  readonly finished = { stop: 0, length: 0, abort: 0 };
  private readonly labels: string;

  constructor(
    private readonly engine: Engine,
    modelName: string,
    private readonly gpuMemoryUtilization: number,
  ) {
    this.labels = `engine="0",model_name="${modelName.replace(/["\\\n]/g, '_')}"`;
  }

  render(): string {
    const e = this.engine;
    const c = e.counters;
    const l = this.labels;
    const gauge = (name: string, help: string, v: number): string => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{${l}} ${v}\n`;
    const counter = (name: string, help: string, v: number): string => `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name}{${l}} ${v}\n`;
    let out = '';
    out += gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', e.numRunning);
    out += gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', e.numWaiting);
    out += gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', e.kvUsage());
    out += counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.', c.prefixQueries);
    out += counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', c.prefixHits);
    out += counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', c.preemptions);
    out += counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', c.promptTokens);
    out += counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', c.generationTokens);
    out += '# HELP vllm:request_success_total Count of successfully processed requests.\n# TYPE vllm:request_success_total counter\n';
    for (const [reason, n] of Object.entries(this.finished)) out += `vllm:request_success_total{${l},finished_reason="${reason}"} ${n}\n`;
    out +=
      '# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n# TYPE vllm:cache_config_info gauge\n' +
      `vllm:cache_config_info{block_size="${e.blockSize}",cache_dtype="auto",enable_prefix_caching="True",engine="0",` +
      `gpu_memory_utilization="${this.gpuMemoryUtilization}",num_gpu_blocks="${e.pool.size}"} 1\n`;
    out += this.ttft.render(l) + this.itl.render(l) + this.e2e.render(l) + this.queue.render(l);
    return out;
  }
}
