// Cost of one request in credits, from the model's price per 1M tokens.
/** Credits per 1M tokens: a model's `price` in relais.yaml (no import of the config: the console bundles this file). */
export interface Price {
  readonly input: number;
  readonly output: number;
  readonly cached_input?: number | undefined;
}

export function costOf(price: Price | undefined, promptTokens: number, completionTokens: number, cachedTokens: number): number {
  if (!price) return 0;
  const cached = Math.min(cachedTokens, promptTokens);
  const cachedPrice = price.cached_input ?? price.input;
  return ((promptTokens - cached) * price.input + cached * cachedPrice + completionTokens * price.output) / 1_000_000;
}
