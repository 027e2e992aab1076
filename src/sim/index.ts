// Simulated engines: the engine core, HTTP replicas and the virtual-time fleet simulator.
export { Engine, type EngineCounters, type EngineOptions } from './engine.js';
export type { Clock } from './clock.js';
export { VirtualClock } from './virtual-clock.js';
export { RealClock, type LagStats } from './real-clock.js';
export { Sequence, SeqState, type SeqListener } from './sequence.js';
export { approxTokens, chainSeed, chainNext, textBlockHashes, tokenBlockHashes, CHARS_PER_TOKEN } from '../router/prefix-hash.js';
export { parseDistribution, type Distribution } from './distribution.js';
export { parseWorkload, loadWorkload, WorkloadError, type Workload } from './workload.js';
export { driveWorkload, type WorkloadRequest, type SendRequest } from './workload-driver.js';
export { simulateFleet, type FleetSimOptions, type FleetReport, type ReplicaReport } from './fleet-sim.js';
export { formatFleetReport } from './report-text.js';
export type { Summary } from './percentiles.js';
export { startSimFleet, type SimFleet, type SimFleetOptions } from './http/fleet.js';
export type { FaultOptions } from './http/faults.js';
export { runHttpWorkload, type HttpLoadOptions, type HttpLoadReport } from './http/load.js';
