// Monthly cost of a configuration, bought or rented, for the hours it is used: buying amortises GPUs and hosts
// over 36 months and pays power around the clock (active during the hours of use, idle otherwise); renting pays
// the hours used (on demand, spot) or the whole month (reserved). The break-even utilisation is where buying and
// renting on demand cost the same.
import type { Gpu } from '../catalog/gpus.js';
import { rentalOffers, type RentalKind, type RentalOffer } from '../catalog/rentals.js';
import type { Placement } from './host-placement.js';

export const HOURS_PER_MONTH = 730;
export const AMORTISATION_MONTHS = 36;
/** Weeks in an average month (365 / 7 / 12). */
export const WEEKS_PER_MONTH = 365 / 7 / 12;
/** An idle GPU draws about a tenth of its TDP (estimate: 50–70 W for a 350–700 W datacenter card at idle). */
export const GPU_IDLE_SHARE = 0.1;

export interface CostOptions {
  readonly pricing: 'buy' | 'rent';
  /** Electricity price, EUR per kWh. */
  readonly eurPerKwh: number;
  /** Average GPU draw as a share of TDP during the hours of use (servers rarely sit at TDP). */
  readonly powerShare: number;
  /** Hours a day the service is used (default 24): renting pays only those, a bought server idles the rest. */
  readonly hoursPerDay?: number;
  /** Days a week the service is used (default 7). */
  readonly daysPerWeek?: number;
}

export const DEFAULT_COSTS: CostOptions = { pricing: 'buy', eurPerKwh: 0.25, powerShare: 0.7, hoursPerDay: 24, daysPerWeek: 7 };

export interface UsageHours {
  readonly hoursPerDay: number;
  readonly daysPerWeek: number;
  /** Hours of use in an average month. */
  readonly perMonth: number;
  /** Share of the month in use. */
  readonly utilisation: number;
}

export function usageHours(o: CostOptions): UsageHours {
  const hoursPerDay = o.hoursPerDay ?? 24;
  const daysPerWeek = o.daysPerWeek ?? 7;
  const perMonth = hoursPerDay * daysPerWeek * WEEKS_PER_MONTH;
  return { hoursPerDay, daysPerWeek, perMonth, utilisation: perMonth / HOURS_PER_MONTH };
}

export interface BuyCost {
  readonly gpuPurchaseEur: number;
  readonly hostPurchaseEur: number;
  readonly purchaseEur: number;
  readonly amortisedEurMonth: number;
  /** GPUs at powerShare × TDP during the hours of use, GPU_IDLE_SHARE × TDP the rest of the month. */
  readonly gpuPowerEurMonth: number;
  /** Hosts at their idle draw around the clock. */
  readonly hostPowerEurMonth: number;
  readonly powerEurMonth: number;
  readonly totalEurMonth: number;
  readonly priceSource?: string;
}

export interface RentQuote {
  readonly kind: RentalKind;
  readonly offer: RentalOffer;
  /** For the configuration's GPUs: the hours of use (on demand, spot) or the whole month (reserved). */
  readonly eurMonth: number;
}

export interface RentCost {
  readonly onDemand?: RentQuote;
  readonly reserved?: RentQuote;
  /** Interruptible: shown, never chosen for a service. */
  readonly spot?: RentQuote;
  /** The cheaper of on demand and reserved. */
  readonly best: RentQuote;
}

export interface BreakEven {
  /** Share of the month in use above which buying costs less than renting on demand; null when never within 24/7. */
  readonly utilisation: number | null;
  /** The same as hours a day at the configured days a week; null when more than 24. */
  readonly hoursPerDay: number | null;
}

/** Everything known about the cost of a configuration; `ranked` is the one the chosen pricing ranks by. */
export interface CostSheet {
  readonly hours: UsageHours;
  readonly buy?: BuyCost;
  readonly rent?: RentCost;
  readonly breakEven?: BreakEven;
}

/** The figure a configuration is ranked by (the fields of the first planner version, plus the sheet). */
export interface Cost {
  readonly pricing: 'buy' | 'rent';
  readonly purchaseEur?: number;
  readonly amortisedEurMonth?: number;
  readonly powerEurMonth?: number;
  readonly rentEurMonth?: number;
  readonly totalEurMonth: number;
  readonly priceSource?: string;
}

const kwhEur = (watts: number, hours: number, o: CostOptions): number => (watts * hours * o.eurPerKwh) / 1000;

function buyCost(gpu: Gpu, gpus: number, placement: Placement | undefined, o: CostOptions, h: UsageHours): BuyCost | undefined {
  if (gpu.priceEur === undefined) return undefined;
  const gpuPurchaseEur = gpu.priceEur * gpus;
  const hostPurchaseEur = placement ? placement.host.priceEur * placement.hosts : 0;
  const purchaseEur = gpuPurchaseEur + hostPurchaseEur;
  const amortisedEurMonth = purchaseEur / AMORTISATION_MONTHS;
  const idleHours = HOURS_PER_MONTH - h.perMonth;
  const gpuPowerEurMonth = kwhEur(gpu.tdpW * gpus * o.powerShare, h.perMonth, o) + kwhEur(gpu.tdpW * gpus * GPU_IDLE_SHARE, idleHours, o);
  const hostPowerEurMonth = placement ? kwhEur(placement.host.idleW * placement.hosts, HOURS_PER_MONTH, o) : 0;
  const powerEurMonth = gpuPowerEurMonth + hostPowerEurMonth;
  return {
    gpuPurchaseEur, hostPurchaseEur, purchaseEur, amortisedEurMonth, gpuPowerEurMonth, hostPowerEurMonth, powerEurMonth,
    totalEurMonth: amortisedEurMonth + powerEurMonth, priceSource: gpu.priceSource,
  };
}

function quote(gpu: Gpu, gpus: number, kind: RentalKind, h: UsageHours): RentQuote | undefined {
  const offer = rentalOffers(gpu.id, kind)[0];
  if (!offer) return undefined;
  const hours = kind === 'reserved' ? HOURS_PER_MONTH : h.perMonth;
  return { kind, offer, eurMonth: offer.eurPerGpuHour * gpus * hours };
}

function rentCost(gpu: Gpu, gpus: number, h: UsageHours): RentCost | undefined {
  const onDemand = quote(gpu, gpus, 'on-demand', h);
  const reserved = quote(gpu, gpus, 'reserved', h);
  const spot = quote(gpu, gpus, 'spot', h);
  const candidates = [onDemand, reserved].filter((q): q is RentQuote => q !== undefined);
  if (candidates.length === 0) return undefined;
  const best = candidates.reduce((a, b) => (b.eurMonth < a.eurMonth ? b : a));
  return { onDemand, reserved, spot, best };
}

/**
 * Buying costs a + b·u a month at utilisation u (amortisation, host power and idle GPUs, plus the GPUs' extra
 * draw while in use); renting on demand costs r·u. They meet at u = a / (r − b).
 */
function breakEven(gpu: Gpu, gpus: number, buy: BuyCost, onDemand: RentQuote, o: CostOptions, h: UsageHours): BreakEven {
  const idleW = gpu.tdpW * gpus * GPU_IDLE_SHARE;
  const fixed = buy.amortisedEurMonth + buy.hostPowerEurMonth + kwhEur(idleW, HOURS_PER_MONTH, o);
  const perUtilisation = kwhEur(gpu.tdpW * gpus * (o.powerShare - GPU_IDLE_SHARE), HOURS_PER_MONTH, o);
  const rentPerUtilisation = onDemand.offer.eurPerGpuHour * gpus * HOURS_PER_MONTH;
  const u = rentPerUtilisation > perUtilisation ? fixed / (rentPerUtilisation - perUtilisation) : Infinity;
  if (u > 1) return { utilisation: null, hoursPerDay: null };
  const hoursPerDay = (u * HOURS_PER_MONTH) / (h.daysPerWeek * WEEKS_PER_MONTH);
  return { utilisation: u, hoursPerDay: hoursPerDay <= 24 ? hoursPerDay : null };
}

/** Buy and rent costs of `gpus` GPUs placed on hosts, at the configured hours of use. */
export function costSheet(gpu: Gpu, gpus: number, placement: Placement | undefined, o: CostOptions): CostSheet {
  const hours = usageHours(o);
  const buy = buyCost(gpu, gpus, placement, o, hours);
  const rent = rentCost(gpu, gpus, hours);
  const be = buy && rent?.onDemand ? breakEven(gpu, gpus, buy, rent.onDemand, o, hours) : undefined;
  return { hours, buy, rent, breakEven: be };
}

/** The cost the chosen pricing ranks by, or undefined when the catalog has no price of that kind for the GPU. */
export function rankedCost(sheet: CostSheet, pricing: CostOptions['pricing']): Cost | undefined {
  if (pricing === 'rent') {
    const r = sheet.rent?.best;
    if (!r) return undefined;
    return { pricing: 'rent', rentEurMonth: r.eurMonth, totalEurMonth: r.eurMonth, priceSource: `${r.offer.provider} ${r.offer.product} (${r.kind}, ${r.offer.quoted}, ${r.offer.seen})` };
  }
  const b = sheet.buy;
  if (!b) return undefined;
  return {
    pricing: 'buy', purchaseEur: b.purchaseEur, amortisedEurMonth: b.amortisedEurMonth, powerEurMonth: b.powerEurMonth,
    totalEurMonth: b.totalEurMonth, priceSource: b.priceSource,
  };
}

/** EUR per million output tokens when the configuration runs at `tokPerSec` during the hours of use. */
export function eurPerMillionTokens(cost: Cost, tokPerSec: number, hours: UsageHours = usageHours(DEFAULT_COSTS)): number {
  if (tokPerSec <= 0 || hours.perMonth <= 0) return Infinity;
  return cost.totalEurMonth / ((tokPerSec * hours.perMonth * 3600) / 1e6);
}
