// Orders the deployments a request may try: the model's replicas as its scheduler ranks them, then its
// fallbacks' the same way. The key's data policy filters every candidate, and its model list every
// fallback (admission already checked the model asked for).
import type { Principal } from '../access/principal.js';
import { modelAllowed, zoneAllowed } from '../access/principal.js';
import type { CanonicalRequest } from '../protocol/canonical.js';
import { estimatePromptTokens } from '../protocol/canonical.js';
import { errors, GatewayError } from '../protocol/errors.js';
import type { Deployment } from './backend-state.js';
import type { DeploymentCandidate } from './candidate.js';
import { ModelAliases } from './model-aliases.js';
import type { ModelEntry } from './model-table.js';
import { textBlockHashes, chainSeed } from './prefix-hash.js';
import type { SchedulingRequest } from './scheduler/types.js';
import { saturated } from './saturation.js';

export interface RouteStep {
  readonly deployment: Deployment;
  readonly candidate: DeploymentCandidate;
  readonly entry: ModelEntry;
  readonly request: SchedulingRequest;
}

/** Told of each routing decision this instance commits (shared with other instances). */
export interface DecisionListener {
  sent(model: string, key: string, req: SchedulingRequest): void;
}

export class Router {
  private listener: DecisionListener | undefined;

  constructor(
    private models: ReadonlyMap<string, ModelEntry>,
    private aliases: ModelAliases = new ModelAliases({}),
  ) {}

  /** A configuration reload: new requests see the new table and aliases; running ones keep their route. */
  replace(models: ReadonlyMap<string, ModelEntry>, aliases: ModelAliases = this.aliases): void {
    this.models = models;
    this.aliases = aliases;
  }

  /** Shares this instance's decisions (cluster/routing-share). */
  shareDecisions(listener: DecisionListener): void {
    this.listener = listener;
  }

  get(model: string): ModelEntry | undefined {
    return this.models.get(model);
  }

  /** The served model a client's name stands for: itself when served, else a configured alias's target. */
  resolve(name: string): string {
    if (this.models.has(name)) return name;
    return this.aliases.target(name) ?? name;
  }

  list(): ModelEntry[] {
    return [...this.models.values()];
  }

  private schedulingRequest(req: CanonicalRequest, principal: Principal, model: string): SchedulingRequest {
    return {
      promptTokens: estimatePromptTokens(req),
      prefixHashes: textBlockHashes(req.promptPrefix, chainSeed(model)),
      maxTokens: req.maxTokens,
      sessionKey: req.sessionId ?? principal.userId,
      zones: principal.zones,
    };
  }

  /** Steps to try in order; throws 404 (unknown model), 403 (data policy) or 503 (none usable). */
  plan(req: CanonicalRequest, principal: Principal): RouteStep[] {
    const entry = this.models.get(req.model);
    if (!entry) throw errors.unknownModel(req.model);
    const steps: RouteStep[] = [];
    let allowedAny = false;
    const visit = (m: ModelEntry): void => {
      if (m.deployments.some((d) => zoneAllowed(principal, d.state.backend.zone))) allowedAny = true;
      const sreq = this.schedulingRequest(req, principal, m.name);
      for (const i of m.scheduler.rank(sreq, m.candidates)) {
        const candidate = m.candidates[i] as DeploymentCandidate;
        steps.push({ deployment: candidate.deployment, candidate, entry: m, request: sreq });
      }
    };
    visit(entry);
    for (const name of entry.fallbacks) {
      const fb = this.models.get(name);
      if (fb && modelAllowed(principal, fb.name)) visit(fb);
    }
    if (!allowedAny) {
      throw new GatewayError({
        status: 403,
        type: 'permission_error',
        code: 'data_policy',
        message: `Your key's data policy (zones: ${principal.zones === 'any' ? 'any' : principal.zones.join(', ')}) allows no deployment of '${req.model}'.`,
      });
    }
    if (steps.length === 0) throw errors.unavailable(`No healthy deployment of '${req.model}' is available right now.`, 5);
    return steps;
  }

  /**
   * Can a request of this caller start now? 'room': a usable replica in an allowed zone is not
   * saturated (the model's or a fallback's); 'full': usable ones exist but all are saturated (wait in
   * the queue); 'none': nothing usable (routing answers at once: fallback, 403 or 503).
   */
  capacity(entry: ModelEntry, principal: Principal): 'room' | 'full' | 'none' {
    let usable = false;
    const scan = (m: ModelEntry): boolean => {
      for (const c of m.candidates) {
        if (!zoneAllowed(principal, c.zone) || !c.healthy) continue;
        usable = true;
        if (!saturated(c, m.saturation)) return true;
      }
      return false;
    };
    if (scan(entry)) return 'room';
    for (const name of entry.fallbacks) {
      const fb = this.models.get(name);
      if (fb && modelAllowed(principal, fb.name) && scan(fb)) return 'room';
    }
    return usable ? 'full' : 'none';
  }

  /** The step's replica took the request: stateful scorers (prefix, session) learn from it. */
  commit(step: RouteStep): void {
    step.entry.scheduler.commit(step.request, step.candidate);
    this.listener?.sent(step.entry.name, step.candidate.key, step.request);
  }

  /** Another instance's decision: stateful scorers learn it as if this instance had made it. */
  learn(model: string, key: string, req: SchedulingRequest): void {
    const m = this.models.get(model);
    const c = m?.candidates.find((d) => d.key === key);
    if (m && c) m.scheduler.commit(req, c);
  }

  /** Ready when there is a model and every model has at least one usable deployment. */
  ready(now = performance.now()): { ready: boolean; models: Record<string, boolean> } {
    const models: Record<string, boolean> = {};
    let ready = this.models.size > 0;
    for (const m of this.models.values()) {
      const ok = m.deployments.some((d) => d.state.usable(now));
      models[m.name] = ok;
      if (!ok) ready = false;
    }
    return { ready, models };
  }
}
