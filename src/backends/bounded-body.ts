// Reading a whole answer from an engine with a ceiling: an engine that answers without end (or far
// more than any answer) must not take the gateway's memory. Used for the answers relayed whole
// (server/reply-body.ts) and for the gateway's own probes (model lists, /metrics, token counts).
import type { Dispatcher } from 'undici';
import { BackendError } from './backend.js';

/** Far above a vLLM /metrics page (~100 KB), a model list or a token count. */
export const PROBE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The whole body, or null as soon as it passes `max` bytes: leaving the loop early ends the source
 * (undici destroys the stream; an upstream exchange frees its connection). `first` runs at the first chunk.
 */
export async function collectAtMost(body: AsyncIterable<unknown>, max: number, first?: () => void): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size === 0) first?.();
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > max) return null;
    chunks.push(b);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

export async function boundedText(body: Dispatcher.ResponseData['body'], max = PROBE_MAX_BYTES): Promise<string> {
  const all = await collectAtMost(body, max);
  if (all === null) throw new BackendError('protocol', `the engine's answer is larger than ${max} bytes; it was cut off`);
  return all.toString('utf8');
}

export async function boundedJson(body: Dispatcher.ResponseData['body'], max = PROBE_MAX_BYTES): Promise<unknown> {
  return JSON.parse(await boundedText(body, max)) as unknown;
}
