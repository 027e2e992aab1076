// /v1/embeddings on the model's embedding context; token counts come from the model's tokenizer.
import type { Token } from 'node-llama-cpp';
import { errors, GatewayError } from '../protocol/errors.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { LoadedModel } from './loaded-model.js';

export type EmbeddingInput = string | Token[];

export function embeddingInputs(body: JsonObject): EmbeddingInput[] {
  const input = body.input;
  const isTokens = (v: JsonValue): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x));
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0) {
    if (isTokens(input)) return [input as Token[]];
    return input.map((v, i) => {
      if (typeof v === 'string') return v;
      if (isTokens(v)) return v as Token[];
      throw errors.invalidParam(`input[${i}]`, 'Each input must be a string or an array of token ids.');
    });
  }
  throw errors.invalidParam('input', "'input' must be a non-empty string, array of strings or array of token arrays.");
}

export interface EmbeddingsResult {
  readonly vectors: Array<readonly number[]>;
  readonly promptTokens: number;
}

export async function runEmbeddings(m: LoadedModel, inputs: readonly EmbeddingInput[], signal: AbortSignal): Promise<EmbeddingsResult> {
  const ctx = await m.embeddingContext();
  const vectors: Array<readonly number[]> = [];
  let promptTokens = 0;
  for (const input of inputs) {
    if (signal.aborted) throw signal.reason;
    const tokens = typeof input === 'string' ? m.model.tokenize(input) : input;
    if (tokens.length > m.embeddingContextSize) {
      throw new GatewayError({
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'input',
        message: `An input has ${tokens.length} tokens; this model embeds at most ${m.embeddingContextSize}.`,
      });
    }
    promptTokens += tokens.length;
    vectors.push((await ctx.getEmbeddingFor(tokens)).vector);
  }
  return { vectors, promptTokens };
}

export function embeddingsJson(model: string, result: EmbeddingsResult, base64: boolean): JsonObject {
  return {
    object: 'list',
    model,
    data: result.vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : [...v],
    })),
    usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
  };
}
