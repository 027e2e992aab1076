export type { Provenance } from './provenance.js';
export { GPUS, type Gpu, type GpuClass } from './gpus.js';
export { MODELS, type ModelArch } from './models.js';
export { QUANTS, type Quant, type ComputeType } from './quants.js';
export { getGpu, getModel, getQuant, UnknownIdError } from './lookup.js';
