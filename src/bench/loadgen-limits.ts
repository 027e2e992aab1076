// The load generator's own ceiling, measured by `npm run bench:loadgen` (bench/loadgen-ceiling.ts)
// against a fast fake server. A cell close to it measures the load generator, not the endpoint.
import type { BenchCell } from './run-types.js';

// Measured 2026-11-21, Node 20, 2 CPU cores shared with other jobs: non-streamed runs gave 12k–20k req/s
// (the figure below is a typical one); streamed events arriving one per network read (one event per
// stream per 1 ms step) were still read one at a time at ~115k chunks/s with the client at ~80% of a
// core, and coalesced beyond (1.6 per read at ~170k); whole streams in one write: ~0.9M chunks/s.
export const loadgenCeiling = {
  requestsPerSecond: 15_000,
  chunksPerSecond: 115_000,
  measured: '2026-11-21, node 20, 2 shared cores (npm run bench:loadgen)',
};

/** Share of the ceiling above which a cell gets a warning. */
const nearShare = 0.5;

export function loadgenWarnings(cell: BenchCell, ceiling = loadgenCeiling): string[] {
  const out: string[] = [];
  const s = cell.summary;
  if (s && s.durationS > 0) {
    const chunks = cell.samples.reduce((n, x) => n + (x.warmup ? 0 : x.chunks), 0) / s.durationS;
    if (ceiling.requestsPerSecond > 0 && s.requestThroughput > nearShare * ceiling.requestsPerSecond) {
      out.push(`${s.requestThroughput.toFixed(0)} req/s is over ${nearShare * 100}% of the load generator's ceiling (${ceiling.requestsPerSecond} req/s)`);
    }
    if (ceiling.chunksPerSecond > 0 && chunks > nearShare * ceiling.chunksPerSecond) {
      out.push(`${chunks.toFixed(0)} chunks/s is over ${nearShare * 100}% of the load generator's ceiling (${ceiling.chunksPerSecond} chunks/s)`);
    }
  }
  // Node runs the load generator on one thread: near a full core, timings include our own queueing.
  if (cell.loadgen && cell.loadgen.wallMs > 1000 && cell.loadgen.cpuFraction > 0.8) out.push(`the load generator used ${(cell.loadgen.cpuFraction * 100).toFixed(0)}% of a CPU core`);
  if (cell.loadgen && cell.loadgen.eventLoopDelayP99Ms > 20) out.push(`event-loop delay p99 ${cell.loadgen.eventLoopDelayP99Ms.toFixed(0)} ms inflates measured latencies`);
  return out;
}
