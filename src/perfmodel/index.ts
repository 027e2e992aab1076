// The performance model of an engine on a GPU, shared by the simulator and the planner.
export type { EngineKind, ReplicaSpec, StepWork, ReplicaModel } from './types.js';
export { buildReplicaModel, BLOCK_SIZE, type ReplicaDetail, type ReplicaParts } from './replica.js';
export { efficiencyFor, SERVER_FACTORS, SERVER_PRIORS, type Efficiency, type Calibration, type CalibrationEntry } from './efficiency.js';
export {
  GiB, gpuTotalBytes, weightsBytes, weightsReadBytes, kvBytesPerToken, kvBytesForContext, activationPeakBytes,
  vllmMemory, llamacppMemory, embeddingParams, type VllmMemory, type LlamacppMemory,
} from './memory.js';
export { stepSeconds, stepTerms, stepBytes, stepKvBytes, stepFlops, peakTflops, RIDGE_SHARPNESS, type StepParts, type StepTerms } from './step-time.js';
export {
  LINKS, linkFor, allReduceSeconds, tensorParallelSeconds, PCIE_LANE_BYTES_PER_SEC, NCCL_PCIE_SHARE, NO_P2P, CROSS_ROOT, type Link,
} from './interconnect.js';
export {
  SERVER_UNCERTAINTY, CALIBRATED_UNCERTAINTY, LLAMACPP_UNCERTAINTY, uncertaintyFor, speedRange, latencyRange, bandFromRatios,
  type Band, type Uncertainty,
} from './uncertainty.js';
export { fitDecode, fitCompute, type DecodePoint, type DecodeFit, type PrefillPoint } from './fit.js';
export { steadyState, type SteadyStateInput, type SteadyState, type SteadyStateParts } from './steady-state.js';
export { coordinateSearch, type SearchOptions, type SearchResult } from './coordinate-search.js';
