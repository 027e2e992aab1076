// Cost of one request in credits, from the model's price per 1M tokens.
import type { PriceConfig } from '../config/schema.js';

export function costOf(price: PriceConfig | undefined, promptTokens: number, completionTokens: number, cachedTokens: number): number {
  if (!price) return 0;
  const cached = Math.min(cachedTokens, promptTokens);
  const cachedPrice = price.cached_input ?? price.input;
  return ((promptTokens - cached) * price.input + cached * cachedPrice + completionTokens * price.output) / 1_000_000;
}
