import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimFleet } from '../../src/sim/index.js';
import type { ReplicaModel, StepWork } from '../../src/perfmodel/types.js';
import { runBench } from '../../src/bench/sweep.js';

/** A small replica: 4 sequences at once, step = 4 ms + 0.05 ms per prefill token + 0.5 ms per decoding sequence. */
function smallReplica(): ReplicaModel {
  return {
    spec: { gpu: 'bench-gpu', gpus: 1, model: 'bench-model', quant: 'bf16', engine: 'vllm' },
    kvBlocks: 2000,
    blockSize: 16,
    kvBytesPerToken: 131072,
    weightsBytes: 16e9,
    maxNumSeqs: 4,
    maxBatchedTokens: 2048,
    maxModelLen: 8192,
    stepSeconds: (w: StepWork) => 0.004 + 0.00005 * w.prefillTokens + 0.0005 * w.decodeSeqs,
  };
}

test('latencies grow with concurrency on a saturated simulated replica', async () => {
  const fleet = await startSimFleet({ replicas: 1, replicaModel: smallReplica(), speed: 2, servedModelName: 'sim-model' });
  try {
    const run = await runBench({
      url: `${fleet.urls[0]}/v1`,
      endpoint: 'chat',
      settings: {
        mode: 'concurrency', concurrency: [1, 4, 16], rates: [], promptTokens: [64, 256], output: { kind: 'fixed', tokens: 16 },
        requestsPerCell: 24, warmupPerCell: 2, workload: { kind: 'random' }, stream: true, ignoreEos: true, temperature: 0, seed: 5,
        timeoutMs: 20_000, cellTimeoutMs: 30_000, maxErrorRate: 0.1, maxConcurrency: null,
      },
    });
    assert.equal(run.target.model, 'sim-model');
    assert.equal(run.cells.length, 6);
    assert.ok(run.cells.every((c) => c.status === 'ok'), run.cells.map((c) => c.reason ?? c.status).join(', '));
    for (const p of [64, 256]) {
      const e2e = (c: number): number => run.cells.find((x) => x.key.concurrency === c && x.key.promptTokens === p)?.summary?.e2eMs.median ?? NaN;
      const ttft = (c: number): number => run.cells.find((x) => x.key.concurrency === c && x.key.promptTokens === p)?.summary?.ttftMs?.median ?? NaN;
      // Beyond 4 sequences the replica queues: at 16 in flight a request waits behind up to three rounds
      // (4× in steady state; less here, as a cell's queue also fills and drains). Medians, as the
      // simulator runs in real time on a shared machine and a stall can hit any cell.
      assert.ok(e2e(4) > e2e(1), `prompt ${p}: e2e c=4 ${e2e(4)} > c=1 ${e2e(1)}`);
      assert.ok(e2e(16) > 1.5 * e2e(4), `prompt ${p}: e2e c=16 ${e2e(16)} > 1.5 × c=4 ${e2e(4)}`);
      assert.ok(ttft(16) > 3 * ttft(4), `prompt ${p}: ttft c=16 ${ttft(16)} > 3 × c=4 ${ttft(4)}`);
    }
    const big = run.cells.find((c) => c.key.concurrency === 1 && c.key.promptTokens === 256);
    const counted = big?.summary?.promptTokens?.mean ?? 0;
    assert.ok(Math.abs(counted - 256) / 256 < 0.1, `server-counted prompt ${counted} near the 256 target`);
    assert.equal(big?.summary?.completionTokens?.mean, 16, 'ignore_eos: exactly max_tokens');
  } finally {
    await fleet.close();
  }
});
