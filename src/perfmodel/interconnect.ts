// GPU-to-GPU links and the tensor-parallel all-reduce over them: the one place that knows what a link costs —
// NVLink, or PCIe by generation and lanes, with or without peer-to-peer, inside one CPU root or across two.
import type { Gpu } from '../catalog/gpus.js';
import type { HostModel } from '../catalog/hosts.js';

export interface Link {
  readonly kind: Gpu['interconnect'];
  /** Fixed cost of one all-reduce (kernel launch, synchronisation, first hop). */
  readonly latencySec: number;
  /** Bus bandwidth one all-reduce reaches, bytes/s (NCCL's "busbw"). */
  readonly busBytesPerSec: number;
  readonly source: string;
  /** What the link is made of, for `--explain` (e.g. "PCIe 4.0 x8, no peer-to-peer"). */
  readonly description: string;
  readonly pcieGen?: number;
  readonly lanes?: number;
  /** Direct card-to-card transfers; without them NCCL stages every transfer through host memory. */
  readonly p2p?: boolean;
  /** The tensor-parallel group spans two CPU sockets or PCIe switches. */
  readonly crossesRoot?: boolean;
}

/**
 * NVLink: vLLM's custom all-reduce over NVLink costs a few µs per call for decode-sized messages; NCCL reaches
 * ≈ 300 GB/s bus bandwidth on H100/A100 NVLink. PCIe 4.0 x16 with peer-to-peer: every call crosses the host
 * bridge (≈ 20 µs) at ≈ 20 GB/s. Both are engineering estimates, not fitted.
 */
export const LINKS: Readonly<Record<Gpu['interconnect'], Link>> = {
  nvlink: { kind: 'nvlink', latencySec: 8e-6, busBytesPerSec: 300e9, source: 'estimate: NCCL/custom all-reduce on NVLink', description: 'NVLink' },
  pcie: {
    kind: 'pcie', latencySec: 20e-6, busBytesPerSec: 20e9, source: 'estimate: NCCL over PCIe 4 x16 through the host',
    description: 'PCIe 4.0 x16, peer-to-peer', pcieGen: 4, lanes: 16, p2p: true, crossesRoot: false,
  },
  unified: { kind: 'unified', latencySec: 0, busBytesPerSec: Infinity, source: 'one device', description: 'one device' },
};

/** Raw bandwidth of one PCIe lane per direction, bytes/s (PCI-SIG: 8, 16, 32 GT/s with 128b/130b encoding). */
export const PCIE_LANE_BYTES_PER_SEC: Readonly<Record<3 | 4 | 5, number>> = { 3: 0.985e9, 4: 1.969e9, 5: 3.938e9 };

/** Share of a PCIe link's raw bandwidth an NCCL all-reduce reaches: what makes 4.0 x16 the 20 GB/s above. */
export const NCCL_PCIE_SHARE = LINKS.pcie.busBytesPerSec / (16 * PCIE_LANE_BYTES_PER_SEC[4]);

/**
 * Without peer-to-peer (GeForce drivers disable it), NCCL copies every transfer into host memory and out again:
 * half the bandwidth and an extra copy's latency. Estimate.
 */
export const NO_P2P = { bandwidthShare: 0.5, extraLatencySec: 10e-6, source: 'estimate: NCCL SHM transport through host memory' } as const;

/** A group spanning two CPU sockets or PCIe switches goes through the inter-socket link or host memory. Estimate. */
export const CROSS_ROOT = { bandwidthShare: 0.5, extraLatencySec: 5e-6, source: 'estimate: P2P across CPU sockets / switch roots' } as const;

/**
 * The link a tensor-parallel group of `group` GPUs uses in `host` (or, without a host, each card at its own PCIe
 * generation and x16 in one root). NVLink and unified memory do not depend on the host.
 */
export function linkFor(gpu: Gpu, host?: HostModel, group = 1): Link {
  const base = LINKS[gpu.interconnect];
  if (gpu.interconnect !== 'pcie') return base;
  const gen = Math.min(gpu.pcieGen ?? 4, host?.pcieGen ?? 5) as 3 | 4 | 5;
  const lanes = host && host.pcieLanesPerGpu > 0 ? host.pcieLanesPerGpu : 16;
  const crossesRoot = host !== undefined && group > host.gpusPerRoot;
  let bus = lanes * PCIE_LANE_BYTES_PER_SEC[gen] * NCCL_PCIE_SHARE;
  let latency = base.latencySec;
  const sources = [base.source];
  if (!gpu.p2p) {
    bus *= NO_P2P.bandwidthShare;
    latency += NO_P2P.extraLatencySec;
    sources.push(NO_P2P.source);
  }
  if (crossesRoot) {
    bus *= CROSS_ROOT.bandwidthShare;
    latency += CROSS_ROOT.extraLatencySec;
    sources.push(CROSS_ROOT.source);
  }
  const description = `PCIe ${gen}.0 x${lanes}, ${gpu.p2p ? 'peer-to-peer' : 'no peer-to-peer (through host memory)'}`
    + (crossesRoot ? `, across ${host?.gpusPerRoot ?? 0}-GPU roots` : '');
  return { kind: 'pcie', latencySec: latency, busBytesPerSec: bus, source: sources.join('; '), description, pcieGen: gen, lanes, p2p: gpu.p2p, crossesRoot };
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
