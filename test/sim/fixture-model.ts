// A small hand-written ReplicaModel for scheduler tests: linear step times, tiny KV cache.
import type { ReplicaModel, StepWork } from '../../src/perfmodel/types.js';

export interface FixtureOptions {
  kvBlocks?: number;
  maxNumSeqs?: number;
  maxBatchedTokens?: number;
  maxModelLen?: number;
}

/** Step = 5 ms + 0.1 ms per prefill token + 0.2 ms per decoding sequence. */
export function fixtureModel(o: FixtureOptions = {}): ReplicaModel {
  return {
    spec: { gpu: 'test-gpu', gpus: 1, model: 'test-model', quant: 'bf16', engine: 'vllm' },
    kvBlocks: o.kvBlocks ?? 1000,
    blockSize: 16,
    kvBytesPerToken: 131072,
    weightsBytes: 16e9,
    maxNumSeqs: o.maxNumSeqs ?? 64,
    maxBatchedTokens: o.maxBatchedTokens ?? 2048,
    maxModelLen: o.maxModelLen ?? 8192,
    stepSeconds(w: StepWork): number {
      return 0.005 + 0.0001 * w.prefillTokens + 0.0002 * w.decodeSeqs;
    },
  };
}
