// Virtual-time simulation of a fleet: a workload, a routing policy and N replicas of the engine core
// on one discrete-event clock. Runs as fast as the CPU allows; results are in simulated seconds.
import type { ReplicaModel } from '../perfmodel/types.js';
import type { ReplicaLoad, RoutingPolicy } from '../router/policies/policy.js';
import { chainNext, chainSeed } from '../router/prefix-hash.js';
import { Engine } from './engine.js';
import { LogHistogram, summarize, type Summary } from './percentiles.js';
import { Sequence, type SeqListener } from './sequence.js';
import { VirtualClock } from './virtual-clock.js';
import { driveWorkload, type WorkloadRequest } from './workload-driver.js';
import type { Workload } from './workload.js';

export interface FleetSimOptions {
  /** One performance model per replica (heterogeneous fleets allowed). */
  readonly replicas: readonly ReplicaModel[];
  readonly workload: Workload;
  /**
   * One policy per gateway. Several gateways take requests in turn (a round-robin balancer in front);
   * each knows only its own requests in flight, the engines' load is the same for all.
   */
  readonly policy: RoutingPolicy | readonly RoutingPolicy[];
  /** Seeds the block hash chains (as the served model name does in HTTP mode). */
  readonly modelName?: string;
  readonly onProgress?: (completed: number, total: number) => void;
}

export interface ReplicaReport {
  readonly requests: number;
  readonly busyFraction: number;
  readonly prefixHitRate: number;
  readonly preemptions: number;
  readonly kvBlocks: number;
}

export interface FleetReport {
  readonly policy: string;
  readonly replicas: number;
  readonly sent: number;
  readonly completed: number;
  readonly rejected: number;
  readonly dropped: number;
  /** First arrival to last completion, simulated seconds. */
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
  /** Latencies in seconds. */
  readonly ttft: Summary;
  readonly itl: Summary;
  /** Per-request mean time per output token after the first. */
  readonly tpot: Summary;
  readonly e2e: Summary;
  readonly queue: Summary;
  readonly throughput: { readonly requestsPerSecond: number; readonly outputTokensPerSecond: number; readonly promptTokensPerSecond: number };
  readonly prefixCache: { readonly queries: number; readonly hits: number; readonly hitRate: number };
  readonly preemptions: number;
  readonly perReplica: readonly ReplicaReport[];
}

class ReplicaView {
  routed = 0;
  constructor(readonly engine: Engine) {}
}

/** A replica as one gateway sees it: its own requests in flight, the engine's scraped load. */
class GatewayView implements ReplicaLoad {
  inFlight = 0;
  constructor(
    readonly key: number,
    readonly engine: Engine,
  ) {}
  get waiting(): number {
    return this.engine.numWaiting;
  }
  get running(): number {
    return this.engine.numRunning;
  }
  get kvUsage(): number {
    return this.engine.kvUsage();
  }
}

interface Pending {
  readonly seen: GatewayView;
  readonly done: () => void;
}

const GROUP_TAG = 0x27d4eb2f;
const CONV_TAG = 0x165667b1;

export function simulateFleet(o: FleetSimOptions): FleetReport {
  if (o.replicas.length === 0) throw new Error('a fleet needs at least one replica');
  const wall0 = performance.now();
  const clock = new VirtualClock();
  const views = o.replicas.map((m) => new ReplicaView(new Engine(m, clock)));
  const policies: readonly RoutingPolicy[] = Array.isArray(o.policy) ? o.policy : [o.policy as RoutingPolicy];
  const gateways = policies.map(() => views.map((v, i) => new GatewayView(i, v.engine)));
  let turn = 0;
  const maxModelLen = Math.min(...o.replicas.map((m) => m.maxModelLen));
  const seed = chainSeed(o.modelName ?? o.replicas[0]!.spec.model);
  const bs = o.replicas[0]!.blockSize;
  const total = o.workload.requests;

  const ttft: number[] = [];
  const e2e: number[] = [];
  const queue: number[] = [];
  const tpot: number[] = [];
  const itl = new LogHistogram();
  let completed = 0;
  let rejected = 0;
  let outputTokens = 0;
  let promptTokens = 0;
  let firstArrival = Infinity;
  let lastFinish = 0;

  const listener: SeqListener = {
    onToken(seq, t) {
      if (seq.output > 1) itl.record(t - seq.lastToken);
    },
    onFinish(seq, t) {
      const p = seq.tag as Pending;
      p.seen.inFlight--;
      ttft.push(seq.firstToken - seq.arrival);
      e2e.push(t - seq.arrival);
      queue.push(seq.firstScheduled - seq.arrival);
      if (seq.output > 1) tpot.push((t - seq.firstToken) / (seq.output - 1));
      outputTokens += seq.output;
      promptTokens += seq.promptTokens;
      if (t > lastFinish) lastFinish = t;
      completed++;
      if (o.onProgress && completed % 1000 === 0) o.onProgress(completed, total);
      p.done();
    },
  };

  // Hash chains: a group's shared prefix is computed once; a conversation's chain grows turn by turn.
  const groupChains = new Map<number, number[]>();
  const convChains = new Map<number, number[]>();
  const chainFor = (r: WorkloadRequest): number[] => {
    let chain = convChains.get(r.conversation);
    if (chain === undefined) {
      const prefixBlocks = Math.floor(r.prefixTokens / bs);
      let g = r.group >= 0 ? groupChains.get(r.group) : undefined;
      if (g === undefined && r.group >= 0) {
        g = [];
        let h = seed;
        const key = Math.imul(r.group + 1, GROUP_TAG);
        for (let i = 0; i < prefixBlocks; i++) g.push((h = chainNext(h, key)));
        groupChains.set(r.group, g);
      }
      chain = g ? g.slice() : [];
    }
    // Output blocks matter only if a later turn reuses them.
    const blocks = Math.floor((r.continues ? r.promptTokens + r.outputTokens : r.promptTokens) / bs);
    const key = Math.imul(r.conversation + 1, CONV_TAG);
    let h = chain.length > 0 ? chain[chain.length - 1]! : seed;
    while (chain.length < blocks) chain.push((h = chainNext(h, key)));
    if (r.continues) convChains.set(r.conversation, chain);
    else convChains.delete(r.conversation);
    return chain;
  };

  const routeReq = { promptTokens: 0, prefixHashes: [] as ArrayLike<number> };
  const driver = driveWorkload(
    o.workload,
    clock,
    (r, done) => {
      const hashes = chainFor(r);
      routeReq.promptTokens = r.promptTokens;
      routeReq.prefixHashes = hashes;
      const g = turn++ % policies.length;
      const seen = gateways[g]!;
      const i = policies[g]!.pick(routeReq, seen);
      const view = views[i]!;
      if (clock.now() < firstArrival) firstArrival = clock.now();
      if (view.engine.rejects(r.promptTokens, r.outputTokens) !== undefined) {
        rejected++;
        done();
        return;
      }
      const seq = new Sequence(r.id, r.promptTokens, r.outputTokens, hashes, listener);
      seq.tag = { seen: seen[i]!, done } satisfies Pending;
      seen[i]!.inFlight++;
      view.routed++;
      view.engine.submit(seq);
    },
    maxModelLen,
  );
  clock.run();

  const span = lastFinish > firstArrival ? lastFinish - firstArrival : 0;
  let queries = 0;
  let hits = 0;
  let preemptions = 0;
  const perReplica = views.map((v) => {
    const c = v.engine.counters;
    queries += c.prefixQueries;
    hits += c.prefixHits;
    preemptions += c.preemptions;
    return {
      requests: v.routed,
      busyFraction: span > 0 ? c.busySeconds / span : 0,
      prefixHitRate: c.prefixQueries > 0 ? c.prefixHits / c.prefixQueries : 0,
      preemptions: c.preemptions,
      kvBlocks: v.engine.pool.size,
    };
  });
  if (o.onProgress) o.onProgress(completed, total);
  return {
    policy: policies.length > 1 ? `${policies[0]!.name} ×${policies.length} gateways` : policies[0]!.name,
    replicas: views.length,
    sent: driver.sent,
    completed,
    rejected,
    dropped: driver.dropped,
    simulatedSeconds: span,
    wallSeconds: (performance.now() - wall0) / 1000,
    ttft: summarize(ttft),
    itl: itl.summary(),
    tpot: summarize(tpot),
    e2e: summarize(e2e),
    queue: summarize(queue),
    throughput: {
      requestsPerSecond: span > 0 ? completed / span : 0,
      outputTokensPerSecond: span > 0 ? outputTokens / span : 0,
      promptTokensPerSecond: span > 0 ? promptTokens / span : 0,
    },
    prefixCache: { queries, hits, hitRate: queries > 0 ? hits / queries : 0 },
    preemptions,
    perReplica,
  };
}
