// Orders the deployments a request may try: the model's own replicas (fewest in flight first),
// then its fallbacks'. The key's data policy filters every candidate, fallbacks included.
import type { Principal } from '../access/principal.js';
import { zoneAllowed } from '../access/principal.js';
import type { CanonicalRequest } from '../protocol/canonical.js';
import { errors, GatewayError } from '../protocol/errors.js';
import type { Deployment } from './backend-state.js';
import type { ModelEntry } from './model-table.js';

/** Orders one model's usable deployments, best first. The routing plugins replace this. */
export type Ranker = (req: CanonicalRequest, deployments: Deployment[]) => Deployment[];

let tieBreak = 0;
/** Default: fewest requests in flight; ties rotate so equal replicas share the load. */
export const leastInFlight: Ranker = (_req, deployments) => {
  const n = deployments.length;
  if (n <= 1) return deployments;
  const offset = tieBreak++ % n;
  const rotated = deployments.map((_, i) => deployments[(i + offset) % n] as Deployment);
  return rotated.sort((a, b) => a.state.inFlight - b.state.inFlight);
};

export class Router {
  constructor(
    private readonly models: ReadonlyMap<string, ModelEntry>,
    private readonly rank: Ranker = leastInFlight,
  ) {}

  get(model: string): ModelEntry | undefined {
    return this.models.get(model);
  }

  list(): ModelEntry[] {
    return [...this.models.values()];
  }

  /** Deployments to try in order; throws 404 (unknown model), 403 (data policy) or 503 (none usable). */
  plan(req: CanonicalRequest, principal: Principal, now = performance.now()): Deployment[] {
    const entry = this.models.get(req.model);
    if (!entry) throw errors.unknownModel(req.model);
    const out: Deployment[] = [];
    let allowedAny = false;
    const visit = (m: ModelEntry): void => {
      const usable: Deployment[] = [];
      for (const d of m.deployments) {
        if (!zoneAllowed(principal, d.state.backend.zone)) continue;
        allowedAny = true;
        if (d.state.usable(now)) usable.push(d);
      }
      if (usable.length > 0) out.push(...this.rank(req, usable));
    };
    visit(entry);
    for (const name of entry.fallbacks) {
      const fb = this.models.get(name);
      if (fb) visit(fb);
    }
    if (!allowedAny) {
      throw new GatewayError({
        status: 403,
        type: 'permission_error',
        code: 'data_policy',
        message: `Your key's data policy (zones: ${principal.zones === 'any' ? 'any' : principal.zones.join(', ')}) allows no deployment of '${req.model}'.`,
      });
    }
    if (out.length === 0) throw errors.unavailable(`No healthy deployment of '${req.model}' is available right now.`, 5);
    return out;
  }

  /** Ready when every model has at least one usable deployment. */
  ready(now = performance.now()): { ready: boolean; models: Record<string, boolean> } {
    const models: Record<string, boolean> = {};
    let ready = true;
    for (const m of this.models.values()) {
      const ok = m.deployments.some((d) => d.state.usable(now));
      models[m.name] = ok;
      if (!ok) ready = false;
    }
    return { ready, models };
  }
}
