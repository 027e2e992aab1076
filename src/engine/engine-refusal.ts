// A refusal before the first byte, thrown as the gateway's BackendError ('status' with the OpenAI error
// body) so the pipeline passes 4xx through and may try another deployment on 429/503. Refusals that
// another request to this backend would meet too (bad model file, no memory) do not count against the
// backend's circuit breaker: the other models keep being served.
import { BackendError } from '../backends/backend.js';

export class EngineRefusal extends BackendError {
  constructor(
    status: number,
    message: string,
    body: string,
    /** Retry-After and similar headers the client should see. */
    headers: Readonly<Record<string, string>>,
  ) {
    super('status', message, status, body, headers);
    this.name = 'EngineRefusal';
  }

  override get retryable(): boolean {
    return this.status === 429 || this.status === 503;
  }

  /** Only an engine that says it is unavailable counts against the breaker. */
  override get backendFault(): boolean {
    return this.status === 503;
  }
}
