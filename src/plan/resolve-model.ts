// Where the model comes from: a catalog id, a Hugging Face config.json, or a GGUF file.
import { getModel, getQuant } from '../catalog/lookup.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';
import { readHfConfig } from './hf-config.js';

export interface ModelSource {
  readonly model: ModelArch;
  /** The weights format the source implies (a GGUF file's own; a config's quantization_config). */
  readonly quant?: Quant;
  /** True when the quantization is fixed by the file (GGUF). */
  readonly quantFixed: boolean;
}

export async function resolveModel(o: { model?: string; modelConfig?: string; gguf?: string }): Promise<ModelSource> {
  const given = [o.model, o.modelConfig, o.gguf].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error('give exactly one of --model ID, --model-config FILE, --gguf FILE');
  if (o.gguf !== undefined) {
    const { readGgufModel } = await import('./gguf-file.js');
    const { model, quant } = await readGgufModel(o.gguf);
    return { model, quant, quantFixed: true };
  }
  if (o.modelConfig !== undefined) {
    const { model, quant } = await readHfConfig(o.modelConfig);
    return { model, quant: quant ? getQuant(quant) : undefined, quantFixed: false };
  }
  return { model: getModel(o.model ?? ''), quantFixed: false };
}
