// The canonical request of a family translated onto chat completions (Responses, Messages): one
// choice, the prompt counted as the chat codec counts it, so reservations and routing match /v1/chat.
import type { CanonicalRequest, ClientProtocol } from './canonical.js';
import type { JsonObject, JsonValue } from './json.js';
import type { RequestMeta } from './openai-codec.js';
import { messagesText, withTools } from './prompt-text.js';

export function translatedChat(protocol: ClientProtocol, meta: RequestMeta, model: string, body: JsonObject, maxTokens: number | undefined): CanonicalRequest {
  // Tool definitions are rendered into the prompt by the chat template: they count towards its size.
  const text = withTools(messagesText(body.messages as JsonValue[]), body.tools);
  const stream = body.stream === true;
  return {
    id: meta.id,
    endpoint: 'chat',
    protocol,
    model,
    body,
    stream,
    clientWantsUsage: false,
    maxTokens,
    choices: 1,
    promptChars: text.chars,
    promptParts: text.parts,
    promptPrefix: text.prefix,
    sessionId: meta.sessionId,
    arrivedAt: meta.arrivedAt,
  };
}
