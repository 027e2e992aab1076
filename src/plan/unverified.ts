// The catalog values a result rests on that could not be confirmed from a primary source.
import type { Evaluation } from './evaluate.js';

export function unverifiedValues(e: Evaluation): string[] {
  const c = e.input;
  const out = [...(c.gpu.unverified ?? []).map((f) => `gpu.${f}`), ...(c.model.unverified ?? []).map((f) => `model.${f}`)];
  if (e.placement && e.costs.buy) out.push(...(e.placement.host.unverified ?? []).map((f) => `host.${e.placement?.host.id}.${f}`));
  const rent = e.costs.rent?.best;
  if (rent?.offer.unverified?.length) out.push(`rent.${rent.kind}.${rent.offer.provider}`);
  return out;
}
