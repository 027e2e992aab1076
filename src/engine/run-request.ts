// One UpstreamCall through the engine: validate, hold the model, wait for a sequence slot, run,
// and encode the OpenAI reply (JSON or SSE). Refusals before the first byte are statuses with an
// OpenAI error body; the sequence is freed the moment the client goes away.
import { BackendError, type UpstreamCall, type UpstreamReply } from '../backends/backend.js';
import { errors, GatewayError } from '../protocol/errors.js';
import { isJsonObject, type JsonObject } from '../protocol/json.js';
import { ByteChannel } from './byte-channel.js';
import { chatHistory } from './chat-messages.js';
import type { GenerationResult, SequenceSource } from './generation.js';
import type { ModelLease, ModelRegistry } from './model-registry.js';
import {
  chatChunkJson,
  chatCompletionJson,
  chatToolCallsDelta,
  completionChunkJson,
  completionJson,
  errorJson,
  sse,
  SSE_DONE,
  textEventEncoder,
  usageChunkJson,
  type ReplyHead,
} from './openai-encode.js';
import { maxParallelToolCalls, responseFormat, samplingOptions, toolDefinitions, toolSelection } from './request-options.js';
import { runChat } from './run-chat.js';
import { runCompletion } from './run-completion.js';
import { embeddingInputs, embeddingsJson, runEmbeddings } from './run-embeddings.js';
import { QueueFullError } from './slot-queue.js';
import type { LoadedModel } from './loaded-model.js';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';

type Job = (model: LoadedModel, sequences: SequenceSource, signal: AbortSignal, onText: ((t: string) => void) | undefined) => Promise<GenerationResult>;

const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream';

function jsonReply(status: number, body: JsonObject, headers: Record<string, string> = {}): UpstreamReply {
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    status,
    contentType: JSON_TYPE,
    headers,
    body: (async function* () {
      yield bytes;
    })(),
  };
}

function errorReply(err: unknown, signal: AbortSignal): UpstreamReply {
  if (err instanceof QueueFullError) {
    const e = new GatewayError({
      status: 429,
      type: 'rate_limit_error',
      code: 'queue_full',
      message: `The embedded engine is busy (all sequences and queue places taken); retry in ${err.retryAfterS}s.`,
    });
    return jsonReply(429, errorJson(e.message, e.type, e.code), { 'retry-after': String(err.retryAfterS) });
  }
  if (err instanceof GatewayError) return jsonReply(err.status, errorJson(err.message, err.type, err.code, err.param), err.headers);
  if (err instanceof BackendError) throw err;
  if (signal.aborted) throw new BackendError('aborted', 'request aborted');
  const message = err instanceof Error ? err.message : String(err);
  return jsonReply(500, errorJson(`The embedded engine failed: ${message}`, 'server_error', 'engine_error'));
}

function promptInput(body: JsonObject): string | Token[] {
  const p = body.prompt;
  const one = Array.isArray(p) && p.length === 1 ? p[0] : p;
  if (typeof one === 'string') return one;
  if (Array.isArray(one) && one.length > 0 && one.every((t) => typeof t === 'number' && Number.isInteger(t))) return one as Token[];
  if (Array.isArray(p) && p.length > 1) throw errors.unsupported('prompt', 'The embedded engine takes one prompt per request.');
  throw errors.invalidParam('prompt', "'prompt' must be a string or an array of token ids.");
}

/** Validates the body and returns the job to run; every 400 happens here, before loading a model. */
function prepare(call: UpstreamCall): { job: Job; object: string } {
  const body = call.body;
  if (body.logprobs === true || (typeof body.logprobs === 'number' && body.logprobs > 0)) {
    throw errors.unsupported('logprobs', 'logprobs are not supported by the embedded engine.');
  }
  const sampling = samplingOptions(body);
  const format = responseFormat(body);
  if (call.endpoint === 'chat') {
    const prompt = chatHistory(body.messages);
    const { tools, forced: forceCall } = toolSelection(body, toolDefinitions(body));
    const maxParallelCalls = maxParallelToolCalls(body);
    return {
      object: 'chat.completion.chunk',
      job: (model, sequences, signal, onText) => {
        if (tools.length > 0 && !model.info.chatTemplateSupportsTools) {
          throw errors.unsupported('tools', `The chat template of model '${model.info.name}' does not support tools.`);
        }
        return runChat(model, sequences, { prompt, sampling, format, tools, forceCall, maxParallelCalls, signal, onText });
      },
    };
  }
  if (body.echo === true) throw errors.unsupported('echo', 'echo is not supported by the embedded engine.');
  const prompt = promptInput(body);
  const suffix = typeof body.suffix === 'string' && body.suffix.length > 0 ? body.suffix : undefined;
  if (suffix !== undefined && typeof prompt !== 'string') throw errors.unsupported('suffix', "'suffix' needs a text prompt.");
  return {
    object: 'text_completion',
    job: (model, sequences, signal, onText) => runCompletion(model, sequences, { prompt, suffix, sampling, format, signal, onText }),
  };
}

/** Waits for a slot; returns the sequence source and a function that frees everything. */
async function takeSlot(lease: ModelLease, signal: AbortSignal): Promise<{ source: SequenceSource; free: (failed: boolean) => void }> {
  let releaseSlot: () => void;
  try {
    releaseSlot = await lease.model.queue.acquire(signal);
  } catch (err) {
    lease.release();
    throw err;
  }
  let sequence: LlamaContextSequence | undefined;
  let freed = false;
  return {
    source: {
      take: async (prompt) => {
        sequence ??= await lease.model.takeSequence(prompt);
        return sequence;
      },
    },
    free: (failed) => {
      if (freed) return;
      freed = true;
      if (sequence) lease.model.returnSequence(sequence, !failed);
      releaseSlot();
      lease.release();
    },
  };
}

export async function runRequest(registry: ModelRegistry, call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
  try {
    const name = typeof call.body.model === 'string' ? call.body.model : '';
    if (!name) throw errors.missingParam('model');
    if (call.endpoint === 'embeddings') return await embeddings(registry, name, call, signal);
    const { job, object } = prepare(call);
    const head: ReplyHead = { id: `${call.endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${call.requestId}`, model: name, created: Math.floor(Date.now() / 1000) };
    const lease = await registry.acquire(name, call.keepAliveMs);
    const { source, free } = await takeSlot(lease, signal);
    if (!call.stream) {
      let failed = true;
      try {
        const r = await job(lease.model, source, signal, undefined);
        failed = false;
        if (r.aborted) throw new BackendError('aborted', 'request aborted');
        const json = call.endpoint === 'chat' ? chatCompletionJson(head, r.text, r.finish, r.usage, r.timings, r.toolCalls) : completionJson(head, r.text, r.finish, r.usage, r.timings);
        return jsonReply(200, json);
      } finally {
        free(failed);
      }
    }
    return await stream(call, head, object, job, lease.model, source, free, signal);
  } catch (err) {
    return errorReply(err, signal);
  }
}

async function embeddings(registry: ModelRegistry, name: string, call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
  const inputs = embeddingInputs(call.body);
  const base64 = call.body.encoding_format === 'base64';
  const lease = await registry.acquire(name, call.keepAliveMs);
  let releaseSlot: (() => void) | undefined;
  try {
    releaseSlot = await lease.model.queue.acquire(signal);
    const result = await runEmbeddings(lease.model, inputs, signal);
    const dims = call.body.dimensions;
    if (typeof dims === 'number' && dims !== result.vectors[0]?.length) {
      throw errors.unsupported('dimensions', `Model '${name}' produces ${result.vectors[0]?.length ?? 0}-dimensional embeddings.`);
    }
    return jsonReply(200, embeddingsJson(name, result, base64));
  } finally {
    releaseSlot?.();
    lease.release();
  }
}

/**
 * Starts generation and resolves once the first token (or the end) is there, so that failures
 * before any output (context too long, bad grammar) are still HTTP statuses, not stream errors.
 */
function stream(
  call: UpstreamCall,
  head: ReplyHead,
  object: string,
  job: Job,
  model: LoadedModel,
  sequences: SequenceSource,
  free: (failed: boolean) => void,
  signal: AbortSignal,
): Promise<UpstreamReply> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const channel = new ByteChannel(() => stop.abort(new Error('client went away')));
  const isChat = call.endpoint === 'chat';
  const opts = call.body.stream_options;
  const wantsUsage = isJsonObject(opts) && opts.include_usage === true;
  let started = false;
  return new Promise<UpstreamReply>((resolve, reject) => {
    const reply: UpstreamReply = { status: 200, contentType: SSE_TYPE, headers: {}, body: channel };
    const start = (): void => {
      if (started) return;
      started = true;
      if (isChat) channel.push(sse(chatChunkJson(head, { role: 'assistant', content: '' }, null)));
      resolve(reply);
    };
    const encode = textEventEncoder(head, isChat);
    const onText = (text: string): void => {
      start();
      channel.push(encode(text));
    };
    // Through a then so a synchronous throw in the job is handled like any failure.
    Promise.resolve()
      .then(() => job(model, sequences, stop.signal, onText))
      .then((r) => {
        // Free the sequence before the last bytes go out: the next request must not wait for the client.
        free(false);
        if (r.aborted && !started) {
          reject(new BackendError('aborted', 'request aborted'));
          return;
        }
        start();
        if (isChat && r.toolCalls.length > 0) channel.push(sse(chatChunkJson(head, chatToolCallsDelta(r.toolCalls), null)));
        channel.push(sse(isChat ? chatChunkJson(head, {}, r.finish) : completionChunkJson(head, '', r.finish)));
        if (wantsUsage) channel.push(sse(usageChunkJson(head, object, r.usage, r.timings)));
        channel.push(SSE_DONE);
        channel.end();
      })
      .catch((err: unknown) => {
        free(true);
        if (!started) {
          started = true;
          try {
            resolve(errorReply(err, signal));
          } catch (e) {
            reject(e);
          }
          return;
        }
        const message = err instanceof GatewayError ? err.message : `The embedded engine failed: ${err instanceof Error ? err.message : String(err)}`;
        channel.push(sse(errorJson(message, 'server_error', 'engine_error')));
        channel.end();
      })
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
