export type { Provenance } from './provenance.js';
export { GPUS, GPU_SEGMENTS, type Gpu, type GpuClass, type GpuSegment, type FormFactor, type Cooling } from './gpus.js';
export { HOSTS, type HostModel } from './hosts.js';
export { RENTALS, RENTAL_KINDS, EUR_PER_USD, rentalOffers, type RentalKind, type RentalOffer } from './rentals.js';
export { MODELS, type ModelArch } from './models.js';
export { QUANTS, type Quant, type ComputeType } from './quants.js';
export { getGpu, getHost, getModel, getQuant, UnknownIdError } from './lookup.js';
