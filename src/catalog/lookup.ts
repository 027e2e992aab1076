// Catalog look-ups by id; an unknown id is an error that lists the known ones.
import { GPUS, type Gpu } from './gpus.js';
import { HOSTS, type HostModel } from './hosts.js';
import { MODELS, type ModelArch } from './models.js';
import { QUANTS, type Quant } from './quants.js';

export class UnknownIdError extends Error {
  constructor(
    readonly kind: 'GPU' | 'model' | 'quantization' | 'host',
    readonly id: string,
    readonly known: readonly string[],
  ) {
    super(`unknown ${kind} '${id}'; known: ${known.join(', ')}`);
    this.name = 'UnknownIdError';
  }
}

function find<T extends { id: string }>(list: readonly T[], kind: UnknownIdError['kind'], id: string): T {
  const wanted = id.toLowerCase();
  const hit = list.find((x) => x.id === wanted);
  if (!hit) throw new UnknownIdError(kind, id, list.map((x) => x.id));
  return hit;
}

export const getGpu = (id: string): Gpu => find(GPUS, 'GPU', id);
export const getModel = (id: string): ModelArch => find(MODELS, 'model', id);
export const getQuant = (id: string): Quant => find(QUANTS, 'quantization', id);
export const getHost = (id: string): HostModel => find(HOSTS, 'host', id);
