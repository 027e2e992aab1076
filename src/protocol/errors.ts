// One factory for every error a client can see. Codecs turn it into OpenAI or Ollama shape.

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'insufficient_quota'
  | 'rate_limit_error'
  | 'request_too_large'
  | 'upstream_error'
  | 'timeout_error'
  | 'overloaded_error'
  | 'server_error';

export interface GatewayErrorInit {
  status: number;
  type: ErrorType;
  message: string;
  code?: string | null;
  param?: string | null;
  /** Extra response headers (Retry-After, x-ratelimit-*). */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
  }
}

export const errors = {
  badJson: (detail: string) =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message: `Request body is not valid JSON: ${detail}` }),
  invalidParam: (param: string, message: string) =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message }),
  missingParam: (param: string) =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'missing_required_parameter', param, message: `Missing required parameter: '${param}'.` }),
  tooLarge: (limit: number) =>
    new GatewayError({ status: 413, type: 'request_too_large', code: 'request_too_large', message: `Request body exceeds the limit of ${limit} bytes.` }),
  unknownModel: (model: string) =>
    new GatewayError({ status: 404, type: 'not_found_error', code: 'model_not_found', param: 'model', message: `The model '${model}' does not exist or is not served here.` }),
  notServed: (model: string, endpoint: string) =>
    new GatewayError({ status: 404, type: 'not_found_error', code: 'endpoint_not_supported', param: 'model', message: `The model '${model}' is not served for ${endpoint} here: none of its engines offers that endpoint.` }),
  notFound: (path: string) =>
    new GatewayError({ status: 404, type: 'not_found_error', code: 'not_found', message: `No route for ${path}.` }),
  methodNotAllowed: (method: string, path: string) =>
    new GatewayError({ status: 405, type: 'invalid_request_error', code: 'method_not_allowed', message: `Method ${method} is not allowed on ${path}.` }),
  unauthorized: (message = 'Missing or invalid API key.') =>
    new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_api_key', message }),
  forbidden: (message: string, code = 'forbidden') =>
    new GatewayError({ status: 403, type: 'permission_error', code, message }),
  unsupported: (param: string, message: string) =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'unsupported_parameter', param, message }),
  badGateway: (message: string) =>
    new GatewayError({ status: 502, type: 'upstream_error', code: 'bad_gateway', message }),
  unavailable: (message: string, retryAfterS?: number) =>
    new GatewayError({
      status: 503,
      type: 'overloaded_error',
      code: 'service_unavailable',
      message,
      headers: retryAfterS === undefined ? {} : { 'retry-after': String(retryAfterS) },
    }),
  timeout: (message: string) =>
    new GatewayError({ status: 504, type: 'timeout_error', code: 'upstream_timeout', message }),
  modelNotAllowed: (model: string) =>
    new GatewayError({ status: 403, type: 'permission_error', code: 'model_not_allowed', param: 'model', message: `This API key may not use the model '${model}'.` }),
  /** `level` (key, user, team) names whose budget ran out; it goes in the error's param. */
  budgetExceeded: (message: string, level?: string, headers?: Record<string, string>) =>
    new GatewayError({ status: 402, type: 'insufficient_quota', code: 'budget_exceeded', message, param: level ?? null, ...(headers ? { headers } : {}) }),
  rateLimited: (message: string, headers: Record<string, string>, level?: string) =>
    new GatewayError({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message, headers, param: level ?? null }),
  /** The body did not arrive in time: the connection is closed (the rest of the body may never come). */
  bodyTimeout: (ms: number) =>
    new GatewayError({ status: 408, type: 'timeout_error', code: 'body_timeout', message: `The request body did not arrive within ${ms} ms.`, headers: { connection: 'close' } }),
  /** The client closed its connection before the body was complete (nobody reads this answer). */
  bodyIncomplete: () =>
    new GatewayError({ status: 400, type: 'invalid_request_error', code: 'body_incomplete', message: 'The connection closed before the request body was complete.', headers: { connection: 'close' } }),
  /** A request on a kept-alive connection while the gateway drains: retry elsewhere, on a new connection. */
  shuttingDown: () =>
    new GatewayError({ status: 503, type: 'overloaded_error', code: 'shutting_down', message: 'The gateway is shutting down; retry the request (on a new connection).', headers: { connection: 'close', 'retry-after': '1' } }),
  internal: () =>
    new GatewayError({ status: 500, type: 'server_error', code: 'internal_error', message: 'Internal gateway error.' }),
};
