// The access log: one structured line per request (opt-out: `access_log: false`). The stages that
// learn a request's facts (the key that authenticated, the model, the backend that served, tokens,
// outcome) note them on the request; the server writes the line when the request is done.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './log.js';

export interface AccessFacts {
  keyId?: string | undefined;
  model?: string | undefined;
  backend?: string | undefined;
  /** The usage record's outcome, for requests that have one. */
  outcome?: string | undefined;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
}

const facts = new WeakMap<IncomingMessage, AccessFacts>();

/** Adds what a stage learned about this request (never a secret: key ids only). */
export function noteAccess(req: IncomingMessage | undefined, more: AccessFacts): void {
  if (!req) return;
  const known = facts.get(req);
  if (known) Object.assign(known, more);
  else facts.set(req, { ...more });
}

/** Writes the request's line at info level. */
export function writeAccessLine(log: Logger, req: IncomingMessage, res: ServerResponse, requestId: string, path: string, arrivedAt: number): void {
  const f = facts.get(req);
  const status = res.statusCode;
  // Requests without a usage record (model lists, admin, health): the status says how it went.
  const outcome = f?.outcome ?? (res.destroyed && !res.writableFinished ? 'client_aborted' : status >= 500 ? 'failed' : status >= 400 ? 'rejected' : 'completed');
  log.info('access', {
    requestId,
    method: req.method,
    path,
    status,
    outcome,
    model: f?.model,
    keyId: f?.keyId,
    backend: f?.backend,
    promptTokens: f?.promptTokens,
    completionTokens: f?.completionTokens,
    ms: Math.round((performance.now() - arrivedAt) * 10) / 10,
  });
}
