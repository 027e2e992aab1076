// Monthly cost of a configuration: purchase amortised over 36 months plus power, or rental.
import type { Gpu } from '../catalog/gpus.js';

export const HOURS_PER_MONTH = 730;
export const AMORTISATION_MONTHS = 36;

export interface CostOptions {
  readonly pricing: 'buy' | 'rent';
  /** Electricity price, EUR per kWh. */
  readonly eurPerKwh: number;
  /** Average GPU draw as a share of TDP (servers rarely sit at TDP around the clock). */
  readonly powerShare: number;
}

export const DEFAULT_COSTS: CostOptions = { pricing: 'buy', eurPerKwh: 0.25, powerShare: 0.7 };

export interface Cost {
  readonly pricing: 'buy' | 'rent';
  readonly purchaseEur?: number;
  readonly amortisedEurMonth?: number;
  readonly powerEurMonth?: number;
  readonly rentEurMonth?: number;
  readonly totalEurMonth: number;
  readonly priceSource?: string;
}

/** Cost of `gpus` GPUs, or undefined when the catalog has no price of that kind for the GPU. */
export function monthlyCost(gpu: Gpu, gpus: number, o: CostOptions): Cost | undefined {
  if (o.pricing === 'rent') {
    if (gpu.rentEurMonth === undefined) return undefined;
    const rent = gpu.rentEurMonth * gpus;
    return { pricing: 'rent', rentEurMonth: rent, totalEurMonth: rent, priceSource: gpu.priceSource };
  }
  if (gpu.priceEur === undefined) return undefined;
  const purchaseEur = gpu.priceEur * gpus;
  const amortisedEurMonth = purchaseEur / AMORTISATION_MONTHS;
  const powerEurMonth = (gpu.tdpW * o.powerShare * gpus * HOURS_PER_MONTH * o.eurPerKwh) / 1000;
  return {
    pricing: 'buy', purchaseEur, amortisedEurMonth, powerEurMonth, totalEurMonth: amortisedEurMonth + powerEurMonth,
    priceSource: gpu.priceSource,
  };
}

/** EUR per million output tokens when the configuration runs at `tokPerSec` around the clock. */
export function eurPerMillionTokens(cost: Cost, tokPerSec: number): number {
  if (tokPerSec <= 0) return Infinity;
  return cost.totalEurMonth / ((tokPerSec * HOURS_PER_MONTH * 3600) / 1e6);
}
