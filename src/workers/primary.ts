// `relais serve --workers N`: the primary forks N workers that share the listening socket (node:cluster).
// Without Redis, the primary holds the one in-memory limiter every worker asks (exact limits and
// budgets across workers); with Redis, workers share it there as separate instances do. The
// primary replays usage journals once before forking, gathers every worker's metrics for /metrics,
// passes key changes on, replaces a worker that dies, passes SIGHUP (reload) on, and on SIGTERM/SIGINT
// drains them all.
import cluster, { type Worker } from 'node:cluster';
import type { LevelSpec } from '../access/limiter.js';
import { MemoryLimiter } from '../access/memory-limiter.js';
import type { Logger } from '../telemetry/log.js';
import { mergeMetrics } from './merge-metrics.js';
import { answerBatch } from './limiter-calls.js';
import { isWorkerMessage, type WorkerMessage } from './messages.js';

export interface PrimaryOptions {
  readonly workers: number;
  readonly log: Logger;
  /** The limiter lives here only when the workers have no Redis to share it. */
  readonly sharedLimiter: boolean;
}

/** Runs until every worker has stopped after a signal; resolves with the highest exit code. */
export function runPrimary(o: PrimaryOptions): Promise<number> {
  const limiter = o.sharedLimiter ? new MemoryLimiter() : undefined;
  /** Requests each worker holds a lease for: a worker that dies releases them (charged their reservation). */
  const held = new Map<number, Map<string, readonly LevelSpec[]>>();
  const gathers = new Map<number, { from: Worker; texts: string[]; want: number; timer: NodeJS.Timeout }>();
  let nextGather = 0;
  let stopping = false;
  let worst = 0;

  const finishGather = (id: number): void => {
    const g = gathers.get(id);
    if (!g) return;
    gathers.delete(id);
    clearTimeout(g.timer);
    if (g.from.isConnected()) g.from.send({ t: 'metrics', id, text: mergeMetrics(g.texts) });
  };

  const onMessage = (w: Worker, m: WorkerMessage): void => {
    switch (m.t) {
      case 'limiter-batch':
        if ('calls' in m) {
          const mine = held.get(w.id) ?? new Map<string, readonly LevelSpec[]>();
          held.set(w.id, mine);
          void answerBatch(limiter, m.calls, mine).then((replies) => {
            if (w.isConnected()) w.send({ t: 'limiter-batch', replies });
          });
        }
        return;
      case 'keys':
        for (const other of Object.values(cluster.workers ?? {})) if (other && other !== w && other.isConnected()) other.send(m);
        return;
      case 'metrics': {
        const all = Object.values(cluster.workers ?? {}).filter((x): x is Worker => x !== undefined && x.isConnected());
        const id = ++nextGather;
        // A worker that does not answer within 2 s is left out rather than holding the scrape.
        gathers.set(id, { from: w, texts: [], want: all.length, timer: setTimeout(() => finishGather(id), 2_000) });
        for (const x of all) x.send({ t: 'metrics-dump', id });
        return;
      }
      case 'metrics-dump': {
        const g = gathers.get(m.id);
        if (!g || !('text' in m)) return;
        g.texts.push(m.text);
        if (g.texts.length >= g.want) finishGather(m.id);
        return;
      }
    }
  };

  const fork = (): void => {
    const w = cluster.fork();
    w.on('message', (m: unknown) => {
      if (isWorkerMessage(m)) onMessage(w, m);
    });
  };

  return new Promise<number>((resolve) => {
    cluster.on('exit', (w, code, signal) => {
      const leases = held.get(w.id);
      held.delete(w.id);
      if (limiter && leases) {
        // Its requests are gone: free their slots; the budget keeps their reservation as spent (NaN cost charges it).
        for (const [requestId, levels] of leases) void limiter.releaseLevels(levels, { requestId, tokens: Number.NaN, cost: Number.NaN });
      }
      worst = Math.max(worst, code ?? (signal ? 1 : 0));
      if (!stopping) {
        o.log.warn('worker exited; starting another', { worker: w.id, code, signal });
        fork();
        return;
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(worst);
    });
    const stop = (signal: NodeJS.Signals): void => {
      // The first signal drains every worker; a second is passed on too and ends them at once.
      if (!stopping) o.log.info('stopping workers', { signal, workers: Object.keys(cluster.workers ?? {}).length });
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // A reload is each worker's own (each reads the file again).
    process.on('SIGHUP', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
    });
    // One `listening` line once every worker listens: whoever waits for it reaches all of them.
    const ready = new Set<number>();
    cluster.on('listening', (w, address) => {
      if (ready.has(w.id) || ready.size >= o.workers) return;
      ready.add(w.id);
      if (ready.size < o.workers) return;
      const host = address.address === undefined || address.address === null ? '127.0.0.1' : address.addressType === 6 ? `[${address.address}]` : address.address;
      o.log.announce(`relais listening on http://${host}:${address.port} (${o.workers} workers)`, { event: 'listening', url: `http://${host}:${address.port}`, port: address.port, workers: o.workers });
    });
    for (let i = 0; i < o.workers; i++) fork();
  });
}
