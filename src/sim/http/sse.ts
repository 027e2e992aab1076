// OpenAI-compatible bodies as vLLM writes them. Streaming chunks are built from a per-request prefix
// and suffix so that each token costs one string concatenation and one socket write.
import { fillerText } from './filler.js';

export type Endpoint = 'chat' | 'completion';
export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usage(prompt: number, completion: number, cached: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

export class ChunkWriter {
  private readonly head: string;
  private readonly mid: string;
  private readonly tail: string;
  private readonly tailFinish: Record<FinishReason, string>;

  constructor(
    readonly endpoint: Endpoint,
    private readonly id: string,
    private readonly created: number,
    private readonly model: string,
  ) {
    const obj = endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.head = `data: {"id":"${id}","object":"${obj}","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,`;
    this.mid = endpoint === 'chat' ? '"delta":{"content":"' : '"text":"';
    const close = endpoint === 'chat' ? '"}' : '"';
    this.tail = `${close},"logprobs":null,"finish_reason":null}]}\n\n`;
    this.tailFinish = {
      stop: `${close},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}\n\n`,
      length: `${close},"logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`,
    };
  }

  /** The chat role chunk vLLM sends before the first token. */
  roleChunk(): string {
    return `${this.head}"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  token(text: string): string {
    return this.head + this.mid + text + this.tail;
  }

  lastToken(text: string, reason: FinishReason): string {
    return this.head + this.mid + text + this.tailFinish[reason];
  }

  usageChunk(u: Usage): string {
    const obj = this.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    return `data: ${JSON.stringify({ id: this.id, object: obj, created: this.created, model: this.model, choices: [], usage: u })}\n\n`;
  }
}

export function fullResponse(endpoint: Endpoint, id: string, created: number, model: string, tokens: number, reason: FinishReason, u: Usage): string {
  const text = fillerText(tokens);
  const choice =
    endpoint === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text, tool_calls: [] }, logprobs: null, finish_reason: reason, stop_reason: null }
      : { index: 0, text, logprobs: null, finish_reason: reason, stop_reason: null };
  return JSON.stringify({ id, object: endpoint === 'chat' ? 'chat.completion' : 'text_completion', created, model, choices: [choice], usage: u });
}

/** vLLM's error body. */
export function errorBody(status: number, message: string): string {
  const type = status === 404 ? 'NotFoundError' : status >= 500 ? 'InternalServerError' : 'BadRequestError';
  return JSON.stringify({ error: { message, type, param: null, code: status } });
}
