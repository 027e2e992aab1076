// Request extensions not every server accepts: ignore_eos (vLLM, SGLang, llama.cpp) and
// stream_options.include_usage (OpenAI, vLLM; not older servers). One probe each before the sweep;
// a field rejected with a 4xx is dropped with a warning instead of failing every cell.
import type { Dispatcher } from 'undici';
import { sendRequest, type OutgoingRequest, type SendOptions } from './send-request.js';

const hello: OutgoingRequest = { messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', maxTokens: 2 };

const rejected = (status: number | undefined): boolean => status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429;

/** Mutates `send` (the sweep's request options) and returns the warnings. */
export async function negotiateFeatures(pool: Dispatcher, send: Omit<SendOptions, 'signal' | 'keepText'>, probe: () => SendOptions): Promise<string[]> {
  const warnings: string[] = [];
  if (send.ignoreEos) {
    const withIt = await sendRequest(pool, hello, { ...probe(), ignoreEos: true });
    if (!withIt.ok && rejected(withIt.httpStatus)) {
      const without = await sendRequest(pool, hello, { ...probe(), ignoreEos: false });
      if (without.ok) {
        send.ignoreEos = false;
        warnings.push(`the server rejects ignore_eos (${withIt.error ?? ''}); running without it, outputs may end early`);
      }
    }
  }
  if (send.stream) {
    const withUsage = await sendRequest(pool, hello, { ...probe(), stream: true, ignoreEos: send.ignoreEos, includeUsage: true });
    if (!withUsage.ok && rejected(withUsage.httpStatus)) {
      const without = await sendRequest(pool, hello, { ...probe(), stream: true, ignoreEos: send.ignoreEos, includeUsage: false });
      if (without.ok) {
        send.includeUsage = false;
        warnings.push(`the server rejects stream_options (${withUsage.error ?? ''}); token counts are chunk counts, not the server's`);
      }
    } else if (withUsage.ok && withUsage.completionTokens === undefined) {
      warnings.push('the server sends no usage in streams: completion tokens are counted as content chunks');
    }
  }
  return warnings;
}
