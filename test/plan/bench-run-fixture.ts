// Builds a bench run file whose cells come from the performance model with known efficiency factors.
import { benchRunFormat, type BenchCell, type BenchRun, type Stat } from '../../src/bench/run-types.js';
import { buildReplicaModel, steadyState, type Calibration } from '../../src/perfmodel/index.js';
import type { ReplicaSpec } from '../../src/perfmodel/types.js';

function stat(v: number): Stat {
  return { n: 10, mean: v, median: v, p90: v, p99: v, min: v, max: v };
}

export function syntheticRun(spec: ReplicaSpec, calibration: Calibration, concurrency: number[], prompts: number[], output: number): BenchRun {
  const cells: BenchCell[] = [];
  for (const c of concurrency) {
    for (const p of prompts) {
      const r = buildReplicaModel({ ...spec, maxModelLen: Math.max(...prompts) + output + 16 }, calibration);
      const s = steadyState(r, { concurrency: c, promptTokens: p, outputTokens: output });
      cells.push({
        key: { concurrency: c, rate: null, promptTokens: p }, status: 'ok', durationMs: 1000, samples: [],
        summary: {
          requests: 10, completed: 10, errors: 0, warmup: 0, durationS: 1, e2eMs: stat(s.e2eSec * 1e3), ttftMs: stat(s.ttftSec * 1e3),
          tpotMs: stat(s.itlSec * 1e3), itlMs: stat(s.itlSec * 1e3), promptTokens: stat(p), completionTokens: stat(output),
          requestThroughput: 1, outputTokenThroughput: s.outputTokPerSec, totalTokenThroughput: s.outputTokPerSec,
        },
      });
    }
  }
  return {
    format: benchRunFormat, source: 'measured', date: '2026-01-01T00:00:00Z', tool: { name: 'relais', version: 'test' },
    target: { url: 'http://127.0.0.1:1/v1', model: spec.model, endpoint: 'completions', models: null },
    settings: {
      mode: 'concurrency', concurrency, rates: [], promptTokens: prompts, output: { kind: 'fixed', tokens: output }, requestsPerCell: 10,
      warmupPerCell: 0, workload: { kind: 'random' }, stream: true, ignoreEos: true, temperature: 0, seed: 1, timeoutMs: 1000,
      cellTimeoutMs: 1000, maxErrorRate: 0.1, maxConcurrency: null,
    },
    loadgen: { ceiling: { requestsPerSecond: 1, chunksPerSecond: 1, measured: 'test' }, host: { cpus: 2, node: 'test', platform: 'linux' } },
    cells, warnings: [],
  };
}
