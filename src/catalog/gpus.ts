// GPU catalog, from ../shared/reference (each entry names its source; estimates are flagged unverified).
import type { Provenance } from './provenance.js';

/** Groups GPUs whose engines behave alike; efficiency factors are fitted per engine × class. */
export type GpuClass =
  | 'ampere-gddr'
  | 'ampere-hbm'
  | 'ada-consumer'
  | 'ada-datacenter'
  | 'hopper'
  | 'volta'
  | 'apple-m';

/**
 * Who the card is built and licensed for. Consumer (GeForce): the driver licence excludes datacenter deployment,
 * no ECC, open-air coolers that do not stack in servers, no peer-to-peer transfers between cards. Workstation:
 * ECC, blower coolers that stack, desk-side machines. Datacenter: ECC, passive cooling for server airflow, made
 * to run around the clock in a rack.
 */
export type GpuSegment = 'datacenter' | 'workstation' | 'consumer';
export const GPU_SEGMENTS: readonly GpuSegment[] = ['datacenter', 'workstation', 'consumer'];

/** pcie: a card in a slot; sxm: a module on an HGX board (NVLink); soc: GPU and host are one machine (Apple). */
export type FormFactor = 'pcie' | 'sxm' | 'soc';

/** passive: needs a server's airflow; blower: exhausts out of the case, stacks; open-air: needs free space around it. */
export type Cooling = 'passive' | 'blower' | 'open-air' | 'integrated';

export interface Gpu extends Provenance {
  readonly id: string;
  readonly name: string;
  /** Marketed memory size in GiB (binary: a "24 GB" card has 24 GiB). */
  readonly memoryGiB: number;
  /** Share of memory the GPU runtime can use (Apple unified memory: ≈0.75 by default). */
  readonly usableShare: number;
  readonly bandwidthGBs: number;
  /** Dense tensor TFLOPS by data type (no sparsity). */
  readonly tflops: { readonly bf16?: number; readonly fp16: number; readonly fp8?: number; readonly int8?: number };
  readonly tdpW: number;
  readonly class: GpuClass;
  readonly interconnect: 'nvlink' | 'pcie' | 'unified';
  readonly segment: GpuSegment;
  readonly ecc: boolean;
  readonly formFactor: FormFactor;
  readonly cooling: Cooling;
  /** Expansion slots a PCIe card occupies. */
  readonly slots?: number;
  /** PCIe generation of the card's link to the host (and, without NVLink, to the other cards). */
  readonly pcieGen?: 3 | 4 | 5;
  /** Direct GPU-to-GPU transfers over PCIe; GeForce drivers disable them, so collectives go through host memory. */
  readonly p2p: boolean;
  /** Indicative purchase price per GPU (EUR). Rental prices are in rentals.ts. */
  readonly priceEur?: number;
  readonly priceSource?: string;
}

const DS = 'NVIDIA datasheet (../shared/reference)';
const PRICE = 'indicative public prices 2024–2025 (../shared/reference)';
const ESTIMATE = 'estimate, not in ../shared/reference';
// Suitability properties (segment, ECC, form factor, cooling, slots, PCIe generation, P2P) are from the vendors'
// product pages; GeForce: NVIDIA's GeForce driver licence has excluded datacenter deployment since 2017.
const CONSUMER = { segment: 'consumer', ecc: false, formFactor: 'pcie', cooling: 'open-air', p2p: false } as const;
const DC_PCIE = { segment: 'datacenter', ecc: true, formFactor: 'pcie', cooling: 'passive', slots: 2, p2p: true } as const;
const DC_SXM = { segment: 'datacenter', ecc: true, formFactor: 'sxm', cooling: 'passive', p2p: true } as const;

export const GPUS: readonly Gpu[] = [
  {
    id: 'rtx-3060-12g', name: 'GeForce RTX 3060 12 GB', memoryGiB: 12, usableShare: 1, bandwidthGBs: 360,
    tflops: { bf16: 25, fp16: 25 }, tdpW: 170, class: 'ampere-gddr', interconnect: 'pcie', ...CONSUMER, slots: 2, pcieGen: 4,
    priceEur: 330, priceSource: PRICE, source: 'vendor spec pages (../shared/reference)',
    notes: 'TFLOPS derived, not published', unverified: ['tflops'],
  },
  {
    id: 'rtx-3090', name: 'GeForce RTX 3090', memoryGiB: 24, usableShare: 1, bandwidthGBs: 936,
    tflops: { bf16: 71, fp16: 71, int8: 142 }, tdpW: 350, class: 'ampere-gddr', interconnect: 'pcie', ...CONSUMER, slots: 3, pcieGen: 4,
    priceEur: 2000, priceSource: `${PRICE}; second-hand far less`,
    source: 'gpu_poor gpu_config.json (../shared/reference)', unverified: ['tflops', 'tdpW'],
  },
  {
    id: 'rtx-4090', name: 'GeForce RTX 4090', memoryGiB: 24, usableShare: 1, bandwidthGBs: 1008,
    tflops: { bf16: 165.2, fp16: 165.2, fp8: 330.3, int8: 660.6 }, tdpW: 450, class: 'ada-consumer', interconnect: 'pcie', ...CONSUMER, slots: 4, pcieGen: 4,
    priceEur: 2000, priceSource: ESTIMATE, source: 'vendor spec pages (../shared/reference)',
    unverified: ['tflops.fp8', 'tflops.int8', 'priceEur'],
  },
  {
    id: 'l40s', name: 'NVIDIA L40S', memoryGiB: 48, usableShare: 1, bandwidthGBs: 864,
    tflops: { bf16: 362, fp16: 362, fp8: 733, int8: 733 }, tdpW: 350, class: 'ada-datacenter', interconnect: 'pcie', ...DC_PCIE, pcieGen: 4,
    priceEur: 6600, priceSource: `${PRICE}: 6,000–7,200 €`,
    source: DS, unverified: ['tflops.fp8', 'tflops.int8'],
  },
  {
    id: 'a10', name: 'NVIDIA A10', memoryGiB: 24, usableShare: 1, bandwidthGBs: 600,
    tflops: { bf16: 125, fp16: 125, int8: 250 }, tdpW: 150, class: 'ampere-gddr', interconnect: 'pcie', ...DC_PCIE, slots: 1, pcieGen: 4,
    priceEur: 3000, priceSource: ESTIMATE, source: DS, unverified: ['tflops.int8', 'priceEur'],
  },
  {
    id: 'v100-16g', name: 'NVIDIA V100 16 GB (SXM2)', memoryGiB: 16, usableShare: 1, bandwidthGBs: 900,
    tflops: { fp16: 125 }, tdpW: 300, class: 'volta', interconnect: 'nvlink', ...DC_SXM, pcieGen: 3,
    source: 'llm-analysis gpu configs (../shared/reference)', notes: 'no bf16; PCIe variant 112 TFLOPS, 250 W',
    unverified: ['tdpW'],
  },
  {
    id: 'a100-40g', name: 'NVIDIA A100 40 GB (SXM)', memoryGiB: 40, usableShare: 1, bandwidthGBs: 1555,
    tflops: { bf16: 312, fp16: 312, int8: 624 }, tdpW: 400, class: 'ampere-hbm', interconnect: 'nvlink', ...DC_SXM, pcieGen: 4,
    priceEur: 10000, priceSource: ESTIMATE, source: DS, notes: 'PCIe variant 250 W',
    unverified: ['tflops.int8', 'priceEur'],
  },
  {
    id: 'a100-80g', name: 'NVIDIA A100 80 GB (SXM)', memoryGiB: 80, usableShare: 1, bandwidthGBs: 2039,
    tflops: { bf16: 312, fp16: 312, int8: 624 }, tdpW: 400, class: 'ampere-hbm', interconnect: 'nvlink', ...DC_SXM, pcieGen: 4,
    priceEur: 15000, priceSource: ESTIMATE, source: DS, notes: 'PCIe variant: 1935 GB/s, 300 W (a100-80g-pcie)',
    unverified: ['tflops.int8', 'priceEur'],
  },
  {
    id: 'a100-80g-pcie', name: 'NVIDIA A100 80 GB (PCIe)', memoryGiB: 80, usableShare: 1, bandwidthGBs: 1935,
    tflops: { bf16: 312, fp16: 312, int8: 624 }, tdpW: 300, class: 'ampere-hbm', interconnect: 'pcie', ...DC_PCIE, pcieGen: 4,
    priceEur: 14000, priceSource: ESTIMATE, source: DS, unverified: ['tflops.int8', 'priceEur'],
  },
  {
    id: 'h100-pcie', name: 'NVIDIA H100 PCIe 80 GB', memoryGiB: 80, usableShare: 1, bandwidthGBs: 2000,
    tflops: { bf16: 756, fp16: 756, fp8: 1513, int8: 1513 }, tdpW: 350, class: 'hopper', interconnect: 'pcie', ...DC_PCIE, pcieGen: 5,
    priceEur: 29500, priceSource: `${PRICE}: 29,000–30,000 €`, source: 'NVIDIA product brief (../shared/reference)',
    unverified: ['tflops.fp8', 'tflops.int8'],
  },
  {
    id: 'h100-sxm', name: 'NVIDIA H100 SXM 80 GB', memoryGiB: 80, usableShare: 1, bandwidthGBs: 3350,
    tflops: { bf16: 989, fp16: 989, fp8: 1979, int8: 1979 }, tdpW: 700, class: 'hopper', interconnect: 'nvlink', ...DC_SXM, pcieGen: 5,
    priceEur: 32000, priceSource: `${ESTIMATE}; sold on HGX boards of 4 or 8 (hosts.ts)`,
    source: DS, unverified: ['tflops.fp8', 'tflops.int8', 'priceEur'],
  },
  {
    id: 'h200', name: 'NVIDIA H200 141 GB', memoryGiB: 141, usableShare: 1, bandwidthGBs: 4800,
    tflops: { bf16: 989, fp16: 989, fp8: 1979, int8: 1979 }, tdpW: 700, class: 'hopper', interconnect: 'nvlink', ...DC_SXM, pcieGen: 5,
    priceEur: 35000, priceSource: ESTIMATE, source: DS, unverified: ['tflops.fp8', 'tflops.int8', 'priceEur'],
  },
  {
    id: 'm2-ultra', name: 'Apple M2 Ultra 76-core GPU, 192 GB unified', memoryGiB: 192, usableShare: 0.75,
    bandwidthGBs: 800, tflops: { fp16: 27 }, tdpW: 295, class: 'apple-m', interconnect: 'unified',
    segment: 'workstation', ecc: false, formFactor: 'soc', cooling: 'integrated', p2p: false,
    priceEur: 6000, priceSource: `${PRICE} (Mac Studio)`, source: 'Apple; gguf-parser README (../shared/reference)',
    notes: '≈27 TFLOPS is fp32; ≈70–78% of unified memory GPU-usable by default',
    unverified: ['tdpW', 'tflops', 'ecc'],
  },
  {
    id: 'rtx-6000-ada', name: 'NVIDIA RTX 6000 Ada Generation 48 GB', memoryGiB: 48, usableShare: 1, bandwidthGBs: 960,
    tflops: { bf16: 364, fp16: 364, fp8: 728, int8: 728 }, tdpW: 300, class: 'ada-datacenter', interconnect: 'pcie',
    segment: 'workstation', ecc: true, formFactor: 'pcie', cooling: 'blower', slots: 2, pcieGen: 4, p2p: true,
    priceEur: 7000, priceSource: 'estimate from the $6,800 list price (cputronic.com, 2025), not in ../shared/reference',
    source: 'NVIDIA product page via heise.de and grafikkarten.com (AD102, 142 SMs, 568 Tensor Cores, 48 GB GDDR6 ECC, 960 GB/s, 300 W, blower, 2 slots)',
    notes: 'same AD102 die and Tensor Core count as the L40S: TFLOPS taken as the L40S figures, engines treat it as that class',
    unverified: ['tflops', 'priceEur'],
  },
];
