// The access log: one structured line per request (opt-out: `access_log: false`). The stages that
// learn a request's facts (the key that authenticated, the model, the backend that served, tokens,
// outcome) note them on the request; the server writes the line when the request is done.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timestampField, type Logger } from './log.js';

export interface AccessFacts {
  keyId?: string | undefined;
  model?: string | undefined;
  backend?: string | undefined;
  /** The usage record's outcome, for requests that have one. */
  outcome?: string | undefined;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
}

// On the request itself: a WeakMap entry per request cost the GC more than the line did.
const FACTS = Symbol('relais.access');
type Noted = IncomingMessage & { [FACTS]?: AccessFacts };

/** This request's facts, created on first use with every field (one object shape for all requests). */
function factsOf(req: IncomingMessage): AccessFacts {
  let f = (req as Noted)[FACTS];
  if (!f) {
    f = { keyId: undefined, model: undefined, backend: undefined, outcome: undefined, promptTokens: undefined, completionTokens: undefined };
    (req as Noted)[FACTS] = f;
  }
  return f;
}

/** The key that authenticated the request (its id, never the secret). */
export function noteKey(req: IncomingMessage, keyId: string | undefined): void {
  factsOf(req).keyId = keyId;
}

/**
 * How a request with a usage record ended: the model and backend that served it, the outcome, tokens.
 * Only for a request noteKey started (it authenticated with the access log on): nothing to do otherwise.
 */
export function noteOutcome(req: IncomingMessage | undefined, model: string, backend: string | undefined, outcome: string, promptTokens: number | undefined, completionTokens: number | undefined): void {
  const f = req && (req as Noted)[FACTS];
  if (!f) return;
  f.model = model;
  f.backend = backend;
  f.outcome = outcome;
  f.promptTokens = promptTokens;
  f.completionTokens = completionTokens;
}

const str = (name: string, v: string | undefined): string => (v === undefined ? '' : `,"${name}":${JSON.stringify(v)}`);
const num = (name: string, v: number | undefined): string => (v === undefined ? '' : `,"${name}":${Number.isFinite(v) ? v : 'null'}`);

/** Writes the request's line at info level (built directly: the hot path writes one per request). */
export function writeAccessLine(log: Logger, req: IncomingMessage, res: ServerResponse, requestId: string, path: string, arrivedAt: number): void {
  const f = (req as Noted)[FACTS];
  const status = res.statusCode;
  // Requests without a usage record (model lists, admin, health): the status says how it went.
  const outcome = f?.outcome ?? (res.destroyed && !res.writableFinished ? 'client_aborted' : status >= 500 ? 'failed' : status >= 400 ? 'rejected' : 'completed');
  const ms = Math.round((performance.now() - arrivedAt) * 10) / 10;
  log.line(
    `{${timestampField()},"level":"info","msg":"access"${str('requestId', requestId)}${str('method', req.method)}${str('path', path)},"status":${status}${str('outcome', outcome)}` +
      `${str('model', f?.model)}${str('keyId', f?.keyId)}${str('backend', f?.backend)}${num('promptTokens', f?.promptTokens)}${num('completionTokens', f?.completionTokens)},"ms":${ms}}\n`,
  );
}
