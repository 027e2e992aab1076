// OpenTelemetry GenAI semantic conventions on a request's span: operation, models, sampling
// parameters, token usage and finish reasons; plus the HTTP status and Relais's own outcome.
import type { CanonicalRequest, Endpoint } from '../../protocol/canonical.js';
import type { Span } from './span.js';

const operations: Record<Endpoint, string> = { chat: 'chat', completions: 'text_completion', embeddings: 'embeddings', rerank: 'rerank', score: 'score' };

export function operationName(endpoint: Endpoint): string {
  return operations[endpoint];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What the request asked for (set when it starts). */
export function requestAttributes(span: Span, req: CanonicalRequest): void {
  span
    .set('gen_ai.operation.name', operations[req.endpoint])
    .set('gen_ai.request.model', req.model)
    .set('gen_ai.request.max_tokens', req.maxTokens)
    .set('gen_ai.request.temperature', num(req.body.temperature))
    .set('gen_ai.request.top_p', num(req.body.top_p))
    .set('gen_ai.request.seed', num(req.body.seed))
    .set('relais.request_id', req.id)
    .set('relais.stream', req.stream);
}

export interface TracedOutcome {
  readonly status: number;
  readonly outcome: string;
  readonly backend: string | undefined;
  readonly responseModel: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cachedTokens: number | undefined;
  readonly finishReason: string | undefined;
  readonly queueMs: number;
  readonly ttftMs: number | undefined;
  readonly keyId: string | undefined;
  readonly error: string | undefined;
}

/** What happened (set when the request ends). */
export function outcomeAttributes(span: Span, o: TracedOutcome): void {
  span
    .set('http.response.status_code', o.status)
    .set('relais.outcome', o.outcome)
    .set('relais.backend', o.backend)
    .set('relais.key_id', o.keyId)
    .set('gen_ai.response.model', o.responseModel)
    .set('gen_ai.usage.input_tokens', o.inputTokens)
    .set('gen_ai.usage.output_tokens', o.outputTokens)
    .set('gen_ai.usage.cache_read.input_tokens', o.cachedTokens)
    .set('gen_ai.response.finish_reasons', o.finishReason === undefined ? undefined : [o.finishReason])
    .set('relais.queue_ms', o.queueMs > 0 ? o.queueMs : undefined)
    .set('relais.ttft_ms', o.ttftMs);
  // A client's mistake or a refusal is not a server error (OpenTelemetry's rule for server spans).
  if (o.status >= 500) span.fail(o.error ?? o.outcome, String(o.status));
  else if (o.outcome !== 'completed') span.set('error.type', o.outcome);
}
