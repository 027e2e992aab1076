// A chat prompt's token count as the embedded engine would evaluate it: the GGUF's template renders
// the history and tool definitions, the model's tokenizer counts (count_tokens).
import { errors } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/json.js';
import { chatHistory } from './chat-messages.js';
import type { ModelRegistry } from './model-registry.js';
import { toolDefinitions } from './request-options.js';
import { functionsFor } from './run-chat.js';

export async function countChatTokens(registry: ModelRegistry, body: JsonObject): Promise<number> {
  const name = typeof body.model === 'string' ? body.model : '';
  if (!name) throw errors.missingParam('model');
  const prompt = chatHistory(body.messages);
  const functions = functionsFor(toolDefinitions(body));
  const lease = await registry.acquire(name, undefined);
  try {
    const m = lease.model;
    const rendered = m.chatWrapper.generateContextState({ chatHistory: prompt.history, ...(functions ? { availableFunctions: functions } : {}) });
    return rendered.contextText.tokenize(m.model.tokenizer).length;
  } finally {
    lease.release();
  }
}
