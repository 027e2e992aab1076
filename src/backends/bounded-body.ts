// Small answers an engine gives the gateway itself (model lists, /metrics, token counts), read with a
// ceiling: an engine that answers a probe without end must not take the gateway's memory.
import type { Dispatcher } from 'undici';
import { BackendError } from './backend.js';

/** Far above a vLLM /metrics page (~100 KB), a model list or a token count. */
export const PROBE_MAX_BYTES = 8 * 1024 * 1024;

export async function boundedText(body: Dispatcher.ResponseData['body'], max = PROBE_MAX_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > max) {
      body.destroy();
      throw new BackendError('protocol', `the engine's answer is larger than ${max} bytes; it was cut off`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export async function boundedJson(body: Dispatcher.ResponseData['body'], max = PROBE_MAX_BYTES): Promise<unknown> {
  return JSON.parse(await boundedText(body, max)) as unknown;
}
