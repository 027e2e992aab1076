// Writes a GatewayError in the client's protocol. Never a stack trace.
import type { ServerResponse } from 'node:http';
import type { ClientProtocol } from '../protocol/canonical.js';
import { GatewayError, errors } from '../protocol/errors.js';
import { anthropicErrorBody } from '../protocol/anthropic-codec.js';
import { ollamaErrorBody } from '../protocol/ollama-codec.js';
import { openAIErrorBody } from '../protocol/openai-codec.js';

export function asGatewayError(err: unknown): GatewayError {
  return err instanceof GatewayError ? err : errors.internal();
}

export function respondError(res: ServerResponse, err: GatewayError, protocol: ClientProtocol, extraHeaders?: Record<string, string>): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = protocol === 'ollama' ? ollamaErrorBody(err) : protocol === 'anthropic' ? anthropicErrorBody(err) : openAIErrorBody(err);
  res.writeHead(err.status, { ...extraHeaders, ...err.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
