// Host machines GPUs go into: chassis, CPUs, RAM, power supplies, NIC and disks — everything but the GPUs. A
// configuration needs as many hosts as its GPUs fill; tensor parallelism stays inside one host (its link is the
// host's PCIe or the HGX board's NVLink), replicas spread over hosts. Prices are estimates (flagged unverified):
// vendors publish few list prices for GPU servers, so each entry says what it was derived from.
import type { Cooling, FormFactor, GpuSegment } from './gpus.js';
import type { Provenance } from './provenance.js';

export interface HostModel extends Provenance {
  readonly id: string;
  readonly name: string;
  /** What kind of machine it is: a consumer build, a desk-side workstation or a rack server (see suitability). */
  readonly segment: GpuSegment;
  /** Card form factors the host takes. */
  readonly formFactors: readonly FormFactor[];
  /** GPU coolers that work in it (passive cards need a server's airflow; open-air cards need space between them). */
  readonly cooling: readonly Cooling[];
  /** Widest card, in expansion slots, that can be fitted maxGpus times. */
  readonly maxSlots: number;
  readonly maxGpus: number;
  /** Power the supplies leave for the GPUs, W (board TDPs must fit). */
  readonly gpuPowerW: number;
  /**
   * GPUs behind one CPU socket or PCIe switch. A tensor-parallel group larger than this crosses between roots (the
   * CPUs' inter-socket link, or host memory), which is slower than staying under one root.
   */
  readonly gpusPerRoot: number;
  /** PCIe lanes each GPU gets when the host is full, and their generation (the card's own generation may be lower). */
  readonly pcieLanesPerGpu: number;
  readonly pcieGen: 3 | 4 | 5;
  /** Host RAM with ECC (registered DIMMs). */
  readonly ecc: boolean;
  /** Purchase price without GPUs, EUR. */
  readonly priceEur: number;
  /** Draw of the host alone when idle (CPUs, RAM, fans, NICs, disks; GPUs counted separately), W. */
  readonly idleW: number;
}

const EST = 'estimate (no vendor list price found)';

export const HOSTS: readonly HostModel[] = [
  {
    id: 'desktop-2', segment: 'consumer', name: 'desktop tower (consumer board, up to 2 GPUs at x8/x8)', formFactors: ['pcie'],
    cooling: ['open-air', 'blower'], maxSlots: 4, maxGpus: 2, gpuPowerW: 1000, gpusPerRoot: 2, pcieLanesPerGpu: 8, pcieGen: 4,
    ecc: false, priceEur: 1800, idleW: 70,
    source: `${EST}: desktop CPU, X670/Z790 board splitting x16 into x8/x8, 64 GB, 1,600 W ATX supply, large case`,
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'open-frame-4', segment: 'consumer', name: 'open-frame rig (EPYC board, PCIe risers, up to 4 GPUs at x16)', formFactors: ['pcie'],
    cooling: ['open-air', 'blower'], maxSlots: 4, maxGpus: 4, gpuPowerW: 1900, gpusPerRoot: 4, pcieLanesPerGpu: 16, pcieGen: 4,
    ecc: true, priceEur: 1800, idleW: 100,
    source: 'thinksmart.life "GPU rig: budget vs pro" (undated page): 4 × RTX 3090 on an ASRock Rack ROMED8-2T, EPYC 7252, 32 GB ECC, '
      + '1,600 W supply ≈ $4,314 of which GPUs 4 × $750 → host ≈ $1,314; + risers, frame and a second supply',
    notes: 'a build, not a product: no rack, no redundant supplies, no vendor support',
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'workstation-4', segment: 'workstation', name: 'workstation (Threadripper PRO / Xeon W, up to 4 two-slot GPUs at x16)', formFactors: ['pcie'],
    cooling: ['blower'], maxSlots: 2, maxGpus: 4, gpuPowerW: 1600, gpusPerRoot: 4, pcieLanesPerGpu: 16, pcieGen: 5,
    ecc: true, priceEur: 6000, idleW: 150,
    source: `${EST}: workstation CPU and board with 7 × x16 slots, 256 GB ECC, two supplies (e.g. Lenovo ThinkStation PX class, up to 4 × RTX 6000 Ada)`,
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'server-2', segment: 'datacenter', name: '1U/2U server, one socket, up to 2 double-width GPUs', formFactors: ['pcie'],
    cooling: ['passive', 'blower'], maxSlots: 2, maxGpus: 2, gpuPowerW: 800, gpusPerRoot: 2, pcieLanesPerGpu: 16, pcieGen: 5,
    ecc: true, priceEur: 7000, idleW: 150,
    source: `${EST}: single-socket EPYC/Xeon, 256 GB ECC, redundant supplies, 2 × x16 GPU slots`,
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'server-4', segment: 'datacenter', name: '2U server, two sockets, up to 4 double-width GPUs (2 per CPU)', formFactors: ['pcie'],
    cooling: ['passive', 'blower'], maxSlots: 2, maxGpus: 4, gpuPowerW: 1600, gpusPerRoot: 2, pcieLanesPerGpu: 16, pcieGen: 5,
    ecc: true, priceEur: 12000, idleW: 250,
    source: `${EST}: Dell PowerEdge R760xa / Supermicro SYS-221GE class, 2 CPUs, 512 GB ECC, 4 × x16 GPU slots`,
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'server-8', segment: 'datacenter', name: '4U/5U server, two sockets, up to 8 double-width GPUs behind two PCIe switches', formFactors: ['pcie'],
    cooling: ['passive', 'blower'], maxSlots: 2, maxGpus: 8, gpuPowerW: 3200, gpusPerRoot: 4, pcieLanesPerGpu: 16, pcieGen: 5,
    ecc: true, priceEur: 20000, idleW: 400,
    source: `${EST}: Supermicro SYS-521GE-TNRT class (ServeTheHome: PCIe Gen5 switches in a dual-root layout, 4.3–5 kW with 8 × 350 W GPUs)`,
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'hgx-4', segment: 'datacenter', name: 'HGX server, 4 SXM GPUs on an NVLink board', formFactors: ['sxm'],
    cooling: ['passive'], maxSlots: 0, maxGpus: 4, gpuPowerW: 2800, gpusPerRoot: 4, pcieLanesPerGpu: 16, pcieGen: 5,
    ecc: true, priceEur: 25000, idleW: 600,
    source: `${EST}: an HGX 4-GPU board server (2 CPUs, 1 TB ECC, NICs) at about half the 8-GPU host below`,
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'hgx-8', segment: 'datacenter', name: 'HGX server, 8 SXM GPUs on an NVSwitch board (DGX class)', formFactors: ['sxm'],
    cooling: ['passive'], maxSlots: 0, maxGpus: 8, gpuPowerW: 5600, gpusPerRoot: 8, pcieLanesPerGpu: 16, pcieGen: 5,
    ecc: true, priceEur: 40000, idleW: 1000,
    source: 'derived: Thinkmate HGX H100 8-GPU quotation ≈ $317k (Aug 2024, web.archive.org, cited in a public H100 cluster cost sheet) less 8 GPUs at the catalog\'s '
      + '32,000 €; SemiAnalysis puts the non-GPU bill of materials of a DGX H100 at ≈ $32k (May 2023, via Epoch AI)',
    unverified: ['priceEur', 'idleW'],
  },
  {
    id: 'integrated', segment: 'workstation', name: 'the machine itself (GPU and host are one: Mac Studio)', formFactors: ['soc'],
    cooling: ['integrated'], maxSlots: 0, maxGpus: 1, gpuPowerW: 1000, gpusPerRoot: 1, pcieLanesPerGpu: 0, pcieGen: 4,
    ecc: false, priceEur: 0, idleW: 0,
    source: 'the GPU price and TDP are the whole machine\'s',
  },
];
