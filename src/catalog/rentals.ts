// Rental prices per GPU: on demand (pay the hours used), reserved (a commitment paid every hour of the month) and
// spot (interruptible, the hours used). Each offer names its provider page, the date it was read and the price
// as quoted; dollar prices are converted at EUR_PER_USD. None could be checked against the live page from here,
// so all are flagged unverified except the reference's own figures.
import type { Provenance } from './provenance.js';

export type RentalKind = 'on-demand' | 'reserved' | 'spot';
export const RENTAL_KINDS: readonly RentalKind[] = ['on-demand', 'reserved', 'spot'];

export interface RentalOffer extends Provenance {
  readonly gpu: string;
  readonly kind: RentalKind;
  /** Per GPU per hour, EUR (reserved: the commitment divided by every hour of the term). */
  readonly eurPerGpuHour: number;
  readonly provider: string;
  readonly product: string;
  /** The price as the source states it. */
  readonly quoted: string;
  /** When the price was read (as precisely as the source says). */
  readonly seen: string;
  /** Reserved: how long one commits for. */
  readonly term?: string;
}

/** ECB reference rate, 2024 average (1 EUR = 1.0824 USD). */
export const EUR_PER_USD = 0.924;

const usd = (x: number): number => Math.round(x * EUR_PER_USD * 1000) / 1000;
/** Hours in an average month (365 × 24 / 12). */
const MONTH_H = 730;

const LAMBDA = 'lambda.ai/pricing, as transcribed in tgarg01/silybench-data derived/csv/gpu_prices.csv';
const RUNPOD = 'runpod.io/pricing, as transcribed in tgarg01/silybench-data derived/csv/gpu_prices.csv';
const RUNPOD_SPOT = 'deploybase.ai "RunPod GPU Pricing: 2026 Comprehensive Pricing Guide" (spot column)';
const FRENCH = 'French providers\' monthly offers (../shared/reference): 2×H100 ≈ 3,900 €/month, 2×L40S ≈ 2,000 €/month';
const UNVERIFIED = ['eurPerGpuHour'];

function onDemand(gpu: string, provider: string, product: string, dollars: number, source: string): RentalOffer {
  return { gpu, kind: 'on-demand', eurPerGpuHour: usd(dollars), provider, product, quoted: `$${dollars}/GPU/h`, seen: '2026-09-25', source, unverified: UNVERIFIED };
}

function spot(gpu: string, dollars: number): RentalOffer {
  return {
    gpu, kind: 'spot', eurPerGpuHour: usd(dollars), provider: 'RunPod', product: 'spot (interruptible)', quoted: `$${dollars}/GPU/h`,
    seen: '2026-03-10', source: RUNPOD_SPOT, unverified: UNVERIFIED,
  };
}

function monthly(gpu: string, eurPerGpuMonth: number, quoted: string, notes: string): RentalOffer {
  return {
    gpu, kind: 'reserved', eurPerGpuHour: eurPerGpuMonth / MONTH_H, provider: 'French providers', product: 'dedicated server, monthly',
    quoted, seen: '2024–2025', term: '1 month', source: FRENCH, notes,
  };
}

export const RENTALS: readonly RentalOffer[] = [
  onDemand('h100-pcie', 'Lambda', '1x H100 PCIe', 3.29, LAMBDA),
  monthly('h100-pcie', 1950, '2×H100 ≈ 3,900 €/month', 'form factor not stated: these monthly offers are usually PCIe servers'),
  spot('h100-pcie', 1.99),
  onDemand('h100-sxm', 'Lambda', '1x H100 SXM', 4.29, LAMBDA),
  {
    gpu: 'h100-sxm', kind: 'reserved', eurPerGpuHour: usd(1.85), provider: 'Lambda', product: '8x H100 SXM reservation', quoted: '$1.85/GPU/h',
    seen: '2026-04', term: 'months to years', source: 'techplained.aptechsolutions.io "RunPod vs Vast.ai vs Lambda Labs: 8xH100 training economics"',
    unverified: UNVERIFIED,
  },
  spot('h100-sxm', 2.69),
  onDemand('h200', 'RunPod', 'H200, Secure Cloud', 4.59, RUNPOD),
  spot('h200', 3.59),
  onDemand('a100-80g', 'RunPod', 'A100 SXM, Secure Cloud', 1.59, RUNPOD),
  spot('a100-80g', 1.39),
  onDemand('a100-80g-pcie', 'RunPod', 'A100 PCIe, Secure Cloud', 1.59, RUNPOD),
  spot('a100-80g-pcie', 1.19),
  onDemand('a100-40g', 'Lambda', '1x A100 SXM 40GB', 1.99, LAMBDA),
  onDemand('l40s', 'RunPod', 'L40S, Secure Cloud', 1.09, RUNPOD),
  monthly('l40s', 1000, '2×L40S ≈ 2,000 €/month', 'per GPU: half of a 2-GPU server'),
  spot('l40s', 0.79),
  onDemand('a10', 'Lambda', '1x A10', 1.29, LAMBDA),
  onDemand('rtx-4090', 'RunPod', 'RTX 4090, Secure Cloud', 0.74, RUNPOD),
  spot('rtx-4090', 0.34),
  {
    gpu: 'rtx-3090', kind: 'on-demand', eurPerGpuHour: usd(0.39), provider: 'RunPod', product: 'RTX 3090', quoted: '$0.39/GPU/h',
    seen: '2026-03-10', source: 'deploybase.ai "RunPod GPU Pricing: 2026 Comprehensive Pricing Guide" (on-demand column)', unverified: UNVERIFIED,
  },
  spot('rtx-3090', 0.22),
];

/** The offers of one kind for a GPU, cheapest first. */
export function rentalOffers(gpu: string, kind: RentalKind): RentalOffer[] {
  return RENTALS.filter((r) => r.gpu === gpu && r.kind === kind).sort((a, b) => a.eurPerGpuHour - b.eurPerGpuHour);
}
