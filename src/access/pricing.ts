// Prices in credits per 1M tokens, per public model name; a model without a price costs nothing.
import type { PriceConfig } from '../config/schema.js';

export interface TokenCounts {
  readonly promptTokens: number;
  /** Part of promptTokens served from the engine's prefix cache. */
  readonly cachedTokens: number;
  readonly completionTokens: number;
}

export interface Pricing {
  price(model: string): PriceConfig | undefined;
  /** The real cost of a request. */
  cost(model: string, tokens: TokenCounts): number;
  /** The most a request can cost: estimated prompt plus max_tokens, nothing cached. */
  reservation(model: string, promptTokens: number, maxTokens: number): number;
}

export function createPricing(models: readonly { readonly name: string; readonly price?: PriceConfig | undefined }[]): Pricing {
  const prices = new Map<string, PriceConfig>();
  for (const m of models) if (m.price) prices.set(m.name, m.price);
  return {
    price: (model) => prices.get(model),
    cost(model, t) {
      const p = prices.get(model);
      if (!p) return 0;
      const cached = Math.min(Math.max(t.cachedTokens, 0), t.promptTokens);
      const uncached = t.promptTokens - cached;
      return (uncached * p.input + cached * (p.cached_input ?? p.input) + t.completionTokens * p.output) / 1e6;
    },
    reservation(model, promptTokens, maxTokens) {
      const p = prices.get(model);
      return p ? (promptTokens * p.input + maxTokens * p.output) / 1e6 : 0;
    },
  };
}
