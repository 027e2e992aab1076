// What an undici failure means for routing: timeout, aborted, connect or protocol (the pipeline retries on some).
import { errors as undiciErrors } from 'undici';
import { BackendError } from './backend.js';

/** Classifies a failed upstream call; the gateway's own abort and total timeout take precedence over undici's error. */
export function classifyUpstreamError(err: unknown, signal: AbortSignal, totalTimedOut: boolean): BackendError {
  if (err instanceof BackendError) return err;
  if (totalTimedOut) return new BackendError('timeout', 'upstream exceeded the total timeout');
  if (signal.aborted) return new BackendError('aborted', 'request aborted');
  if (err instanceof undiciErrors.HeadersTimeoutError) return new BackendError('timeout', 'upstream sent no response within the first-byte timeout');
  if (err instanceof undiciErrors.ConnectTimeoutError) return new BackendError('timeout', 'upstream connect timeout');
  if (err instanceof undiciErrors.BodyTimeoutError) return new BackendError('timeout', 'upstream stalled while sending the body');
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|EAI_AGAIN/.test(code + message)) {
    return new BackendError('connect', `cannot reach upstream: ${code || message}`);
  }
  return new BackendError('protocol', `upstream request failed: ${message}`);
}
