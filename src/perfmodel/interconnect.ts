// GPU-to-GPU links and the tensor-parallel all-reduce over them: the one place that knows what a link costs
// (hosts, PCIe generations and switch topologies can grow here without touching the step-time model).
import type { Gpu } from '../catalog/gpus.js';

export interface Link {
  readonly kind: Gpu['interconnect'];
  /** Fixed cost of one all-reduce (kernel launch, synchronisation, first hop). */
  readonly latencySec: number;
  /** Bus bandwidth one all-reduce reaches, bytes/s (NCCL's "busbw"). */
  readonly busBytesPerSec: number;
  readonly source: string;
}

/**
 * NVLink: vLLM's custom all-reduce over NVLink costs a few µs per call for decode-sized messages; NCCL reaches
 * ≈ 300 GB/s bus bandwidth on H100/A100 NVLink. PCIe without NVLink: every call crosses the host bridge
 * (≈ 20 µs) at ≈ 20 GB/s (PCIe 4 x16 in practice). Both are engineering estimates, not fitted.
 */
export const LINKS: Readonly<Record<Gpu['interconnect'], Link>> = {
  nvlink: { kind: 'nvlink', latencySec: 8e-6, busBytesPerSec: 300e9, source: 'estimate: NCCL/custom all-reduce on NVLink' },
  pcie: { kind: 'pcie', latencySec: 20e-6, busBytesPerSec: 20e9, source: 'estimate: NCCL over PCIe 4 x16 through the host' },
  unified: { kind: 'unified', latencySec: 0, busBytesPerSec: Infinity, source: 'one device' },
};

export function linkFor(gpu: Gpu): Link {
  return LINKS[gpu.interconnect];
}

/** Seconds of one ring all-reduce of `bytes` over `gpus` GPUs: latency + 2(n−1)/n × bytes / bus bandwidth. */
export function allReduceSeconds(link: Link, gpus: number, bytes: number): number {
  if (gpus <= 1) return 0;
  return link.latencySec + ((2 * (gpus - 1)) / gpus) * (bytes / link.busBytesPerSec);
}

/** Tensor parallelism all-reduces twice per layer (after attention and after the MLP) the activations of every token. */
export function tensorParallelSeconds(link: Link, gpus: number, layers: number, tokens: number, hidden: number): number {
  return 2 * layers * allReduceSeconds(link, gpus, tokens * hidden * 2);
}
