// OpenAI-compatible bodies as vLLM writes them. Streaming chunks are built from a per-request prefix
// and suffix so that each token costs one string concatenation and one socket write.
import { fillerToken } from './filler.js';
import { planText, type ChoicePlan } from './reply-plan.js';

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

  /** The chat role chunk vLLM sends before a choice's first token. */
  roleChunk(index = 0): string {
    const head = index === 0 ? this.head : this.head.replace('"index":0,', `"index":${index},`);
    return `${head}"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** A chunk for any choice and delta (tool calls, structured text, n > 1): built as JSON. */
  chunk(choice: Record<string, unknown>): string {
    const obj = this.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    return `data: ${JSON.stringify({ id: this.id, object: obj, created: this.created, model: this.model, choices: [choice] })}\n\n`;
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

/** The streamed chunk of token `i` of a planned choice (not the filler fast path). */
export function choiceChunk(w: ChunkWriter, index: number, plan: ChoicePlan, i: number, last: boolean): string {
  const piece = plan.pieces ? (plan.pieces[i] ?? '') : fillerToken(i);
  const end = last ? { finish_reason: plan.finish, stop_reason: plan.stopString } : { finish_reason: null };
  if (w.endpoint === 'completion') return w.chunk({ index, text: piece, logprobs: null, ...end });
  let delta: Record<string, unknown>;
  if (plan.call) {
    const fn = i === 0 ? { name: plan.call.name, arguments: piece } : { arguments: piece };
    delta = { tool_calls: [{ index: 0, ...(i === 0 ? { id: plan.call.id, type: 'function' } : {}), function: fn }] };
  } else delta = { content: piece };
  return w.chunk({ index, delta, logprobs: null, ...end });
}

export function fullResponse(endpoint: Endpoint, id: string, created: number, model: string, plans: readonly ChoicePlan[], u: Usage): string {
  const choices = plans.map((plan, index) => {
    const text = planText(plan);
    const end = { logprobs: null, finish_reason: plan.finish, stop_reason: plan.stopString };
    if (endpoint === 'completion') return { index, text, ...end };
    const message = plan.call
      ? { role: 'assistant', content: null, tool_calls: [{ id: plan.call.id, type: 'function', function: { name: plan.call.name, arguments: text } }] }
      : { role: 'assistant', content: text, tool_calls: [] };
    return { index, message, ...end };
  });
  return JSON.stringify({ id, object: endpoint === 'chat' ? 'chat.completion' : 'text_completion', created, model, choices, usage: u });
}

/** vLLM's error body. */
export function errorBody(status: number, message: string): string {
  const type = status === 404 ? 'NotFoundError' : status >= 500 ? 'InternalServerError' : 'BadRequestError';
  return JSON.stringify({ error: { message, type, param: null, code: status } });
}
