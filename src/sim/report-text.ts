// Human-readable summary of a virtual-time fleet simulation.
import type { FleetReport } from './fleet-sim.js';
import type { Summary } from './percentiles.js';

function row(label: string, s: Summary, scale: number, digits: number): string {
  const f = (v: number): string => (Number.isFinite(v) ? (v * scale).toFixed(digits) : '-').padStart(9);
  return `  ${label.padEnd(12)}${f(s.mean)}${f(s.p50)}${f(s.p90)}${f(s.p95)}${f(s.p99)}${f(s.max)}`;
}

const int = (v: number): string => Math.round(v).toLocaleString('en-US');

export function formatFleetReport(r: FleetReport, title: string): string {
  const lines = [
    title,
    `  requests    ${int(r.sent)} sent, ${int(r.completed)} completed, ${int(r.rejected)} rejected, ${int(r.dropped)} dropped (context)`,
    `  simulated   ${r.simulatedSeconds.toFixed(1)} s in ${r.wallSeconds.toFixed(2)} s of wall time`,
    `  throughput  ${r.throughput.requestsPerSecond.toFixed(2)} req/s, ${int(r.throughput.outputTokensPerSecond)} output tok/s, ${int(r.throughput.promptTokensPerSecond)} prompt tok/s`,
    `  prefix cache hit rate ${(r.prefixCache.hitRate * 100).toFixed(1)}% (${int(r.prefixCache.hits)} of ${int(r.prefixCache.queries)} prompt tokens), preemptions ${int(r.preemptions)}`,
    '',
    `  ${''.padEnd(12)}${['mean', 'p50', 'p90', 'p95', 'p99', 'max'].map((h) => h.padStart(9)).join('')}`,
    row('TTFT ms', r.ttft, 1000, 1),
    row('ITL ms', r.itl, 1000, 2),
    row('TPOT ms', r.tpot, 1000, 2),
    row('E2E s', r.e2e, 1, 2),
    row('queue ms', r.queue, 1000, 1),
    '',
    '  replica  requests  busy   prefix hits  preemptions',
    ...r.perReplica.map(
      (p, i) =>
        `  ${String(i).padStart(7)}  ${int(p.requests).padStart(8)}  ${(p.busyFraction * 100).toFixed(0).padStart(3)}%  ${(p.prefixHitRate * 100).toFixed(1).padStart(10)}%  ${int(p.preemptions).padStart(11)}`,
    ),
  ];
  return lines.join('\n');
}
