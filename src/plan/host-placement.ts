// Which hosts a configuration needs: the cheapest host model that takes the GPU (form factor, cooling, slots,
// power) with a whole tensor-parallel group inside one host; replicas fill hosts, and a configuration that needs
// more GPUs than one host holds pays for more hosts.
import type { Gpu, GpuSegment } from '../catalog/gpus.js';
import { HOSTS, type HostModel } from '../catalog/hosts.js';
import { AMORTISATION_MONTHS, HOURS_PER_MONTH } from './costs.js';

export interface Placement {
  readonly host: HostModel;
  /** Hosts to buy (or that a provider runs the GPUs in). */
  readonly hosts: number;
  /** GPUs one host holds for this configuration (whole tensor-parallel groups). */
  readonly gpusPerHost: number;
}

/** Whether a host model physically takes this GPU: form factor, cooler, width and power. */
export function hostTakes(host: HostModel, gpu: Gpu): boolean {
  if (!host.formFactors.includes(gpu.formFactor) || !host.cooling.includes(gpu.cooling)) return false;
  if (gpu.formFactor === 'pcie' && (gpu.slots ?? 2) > host.maxSlots) return false;
  return gpu.tdpW <= host.gpuPowerW;
}

/** GPUs of this kind one host holds in whole groups of `tp`. */
function capacity(host: HostModel, gpu: Gpu, tp: number): number {
  const usable = Math.min(host.maxGpus, Math.floor(host.gpuPowerW / gpu.tdpW));
  return Math.floor(usable / tp) * tp;
}

/** A host's share of a month: its price over the amortisation period and its idle draw around the clock. */
function hostMonthlyEur(host: HostModel, eurPerKwh: number): number {
  return host.priceEur / AMORTISATION_MONTHS + (host.idleW * HOURS_PER_MONTH * eurPerKwh) / 1000;
}

/** Placement of `gpus` GPUs in groups of `tp` on a given host model, or undefined when a group does not fit in it. */
export function placeOn(host: HostModel, gpu: Gpu, gpus: number, tp: number): Placement | undefined {
  if (!hostTakes(host, gpu)) return undefined;
  const perHost = capacity(host, gpu, tp);
  if (perHost <= 0) return undefined;
  return { host, hosts: Math.ceil(gpus / perHost), gpusPerHost: Math.min(perHost, gpus) };
}

/**
 * The cheapest placement over the catalog's host models of the allowed segments (price and idle power over the
 * amortisation period).
 */
export function cheapestPlacement(gpu: Gpu, gpus: number, tp: number, eurPerKwh: number, allow?: readonly GpuSegment[]): Placement | undefined {
  let best: Placement | undefined;
  let bestEur = Infinity;
  for (const host of HOSTS) {
    if (allow && !allow.includes(host.segment)) continue;
    const p = placeOn(host, gpu, gpus, tp);
    if (!p) continue;
    const eur = p.hosts * hostMonthlyEur(host, eurPerKwh);
    if (eur < bestEur || (eur === bestEur && best !== undefined && p.hosts < best.hosts)) {
      best = p;
      bestEur = eur;
    }
  }
  return best;
}

/** Why no host takes a tensor-parallel group of `tp` of this GPU (for the not-fit reason). */
export function noPlacementReason(gpu: Gpu, tp: number, host?: HostModel, allow?: readonly GpuSegment[]): string {
  if (host && !hostTakes(host, gpu)) return `host '${host.id}' does not take ${gpu.id} (${gpu.formFactor}, ${gpu.cooling} cooling, ${gpu.slots ?? 0} slots, ${gpu.tdpW} W)`;
  const candidates = (host ? [host] : HOSTS).filter((h) => hostTakes(h, gpu) && (!allow || allow.includes(h.segment)));
  if (candidates.length === 0) return `no ${allow ? `${allow.join(' or ')} ` : ''}host takes ${gpu.id} (${gpu.formFactor}, ${gpu.cooling} cooling)`;
  const most = Math.max(0, ...candidates.map((h) => capacity(h, gpu, 1)));
  return `tensor parallelism stays inside one host: ${tp} × ${gpu.id} in one group, but ${host ? `'${host.id}'` : 'the largest host for it'} takes ${most}`;
}
