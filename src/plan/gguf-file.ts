// Reads a GGUF file's header with the engine's reader and turns it into a model and quantization.
import { fileTypeNames } from '../engine/gguf-format.js';
import { readGguf } from '../engine/gguf-reader.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';
import { modelFromGguf } from './gguf-model.js';

export async function readGgufModel(file: string): Promise<{ model: ModelArch; quant: Quant }> {
  const h = await readGguf(file);
  const ft = h.metadata.get('general.file_type');
  return modelFromGguf(h, typeof ft === 'number' ? fileTypeNames[ft] : undefined);
}
