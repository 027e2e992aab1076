// A deployment seen as a scheduling candidate: live reads of its backend's state, no copies.
import type { BackendState, Deployment } from './backend-state.js';
import type { Candidate } from './scheduler/types.js';

export class DeploymentCandidate implements Candidate {
  private readonly state: BackendState;

  constructor(
    readonly deployment: Deployment,
    private readonly staleMs: number,
  ) {
    this.state = deployment.state;
  }

  get key(): string {
    return this.state.id;
  }
  get zone(): string {
    return this.state.backend.zone;
  }
  get hosted(): boolean {
    return this.state.traits.hosted;
  }
  get healthy(): boolean {
    return this.state.usable(performance.now());
  }
  get inFlight(): number {
    return this.state.inFlight;
  }
  get waiting(): number {
    return this.state.freshLoad(performance.now(), this.staleMs)?.waiting ?? 0;
  }
  get running(): number {
    return this.state.freshLoad(performance.now(), this.staleMs)?.running ?? this.state.inFlight;
  }
  get kvUsage(): number {
    return this.state.freshLoad(performance.now(), this.staleMs)?.kvUsage ?? 0;
  }
  get ttftMs(): number | undefined {
    return this.state.ttftMs;
  }
  get contextWindow(): number | undefined {
    return this.deployment.context;
  }
  get maxInFlight(): number | undefined {
    return this.state.traits.maxConcurrency;
  }
}
