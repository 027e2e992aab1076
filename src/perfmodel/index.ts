// The performance model of an engine on a GPU, shared by the simulator and the planner.
export type { EngineKind, ReplicaSpec, StepWork, ReplicaModel } from './types.js';
export { buildReplicaModel, BLOCK_SIZE, type ReplicaDetail, type ReplicaParts } from './replica.js';
export { efficiencyFor, type Efficiency, type Calibration, type CalibrationEntry } from './efficiency.js';
export {
  GiB, gpuTotalBytes, weightsBytes, weightsReadBytes, kvBytesPerToken, kvBytesForContext, activationPeakBytes,
  vllmMemory, llamacppMemory, embeddingParams, type VllmMemory, type LlamacppMemory,
} from './memory.js';
export { stepSeconds, stepBytes, stepFlops, peakTflops, type StepParts } from './step-time.js';
export { fitDecode, fitCompute, type DecodePoint, type DecodeFit, type PrefillPoint } from './fit.js';
export { steadyState, type SteadyStateInput, type SteadyState } from './steady-state.js';
