// The fuzzer's requests: every route of the gateway (OpenAI, Anthropic Messages, Responses, rerank,
// Ollama, admin, /v1/key, console session, health, metrics), each valid, mutated (hostile numbers,
// wrong types, NUL, lone surrogates, huge strings, deep nesting), malformed (cut, invalid UTF-8),
// with odd methods, paths, headers and framing, pipelined, half-sent or dropped mid-stream. Seeded.
import type { Rng } from '../../src/random/seeded-rng.js';
import { hostileValue, jsonText, malformedBody, pick, RawJson, type FuzzValue } from './hostile-json.js';

/** What the fuzzer knows about the gateway under test. */
export interface FuzzTarget {
  readonly host: string;
  readonly port: number;
  readonly masterKey: string;
  readonly userKey: string;
  readonly userKeyId: string;
  readonly revokedKey: string;
  readonly sessionCookie: string;
  readonly csrf: string;
  readonly responseId: string;
  /** Served by the simulator. */
  readonly model: string;
  /** Served by a backend nobody listens on: its 502/503/504 are the expected answer. */
  readonly deadModel: string;
}

export interface FuzzCase {
  readonly id: number;
  /** Route family: openai, anthropic, responses, rerank, ollama, admin, key, console, ops, other. */
  readonly family: string;
  /** What was done to the request. */
  readonly kind: string;
  /** METHOD path, for the report. */
  readonly label: string;
  readonly pieces: Buffer[];
  readonly pauseMs?: number;
  /** Responses to wait for; 0 when the request is never completed on purpose. */
  readonly expect: number;
  readonly headAt?: ReadonlySet<number>;
  readonly abortAfterBytes?: number;
  /** The request names the dead backend's model: 502/503/504 is its right answer. */
  readonly deadBackend: boolean;
  /** Pipelined: the requests (by index) for which that holds. */
  readonly deadAt?: ReadonlySet<number>;
}

type Body = { [k: string]: FuzzValue };

interface Route {
  readonly family: string;
  readonly method: string;
  readonly path: (t: FuzzTarget, rng: Rng) => string;
  readonly body?: (t: FuzzTarget, rng: Rng, model: string) => Body;
  /** Fields worth attacking besides the body's own. */
  readonly fields?: readonly string[];
  /** Streams when the body says so. */
  readonly streams?: boolean;
  /** Which credential it wants: key (Bearer), admin (master), session (console cookie), none. */
  readonly auth: 'key' | 'admin' | 'session' | 'none';
}

const text = (rng: Rng): string => pick(rng, ['Hello', 'Weather in Paris?', 'Tell me a story', 'x', 'Zusammenfassung bitte', '日本語で']);
const messages = (rng: Rng): FuzzValue => [{ role: 'user', content: text(rng) }];
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const samplingFields = ['max_tokens', 'temperature', 'top_p', 'n', 'best_of', 'logprobs', 'top_logprobs', 'seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'top_k', 'min_p', 'repetition_penalty', 'stop', 'user', 'stream_options', 'response_format', 'tools', 'tool_choice', 'max_completion_tokens', 'parallel_tool_calls'];
const ollamaOptions = ['num_predict', 'num_ctx', 'temperature', 'top_k', 'top_p', 'min_p', 'seed', 'repeat_penalty', 'repeat_last_n', 'num_keep', 'stop', 'mirostat', 'tfs_z', 'typical_p', 'presence_penalty', 'frequency_penalty', 'num_batch', 'num_gpu', 'num_thread'];
const keyFields = ['name', 'models', 'budget', 'budget_period', 'store_responses', 'admin', 'rpm', 'tpm', 'concurrency', 'expires_at', 'zones', 'logging', 'log_retention_days', 'priority', 'user_id', 'team_id', 'metadata', 'role'];
const id = (rng: Rng): string => pick(rng, ['key_nope', 'x', '%00', '..%2F..%2Fetc', 'a'.repeat(300), '0', '-1', '%ZZ', '%F0%9F%99%82', 'null']);

const routes: readonly Route[] = [
  { family: 'openai', method: 'POST', path: () => '/v1/chat/completions', auth: 'key', streams: true, fields: samplingFields,
    body: (_t, rng, model) => ({ model, messages: messages(rng), max_tokens: 8, ...(rng() < 0.4 ? { stream: true } : {}), ...(rng() < 0.2 ? { tools: [weatherTool] } : {}), ...(rng() < 0.2 ? { response_format: { type: 'json_object' } } : {}) }) },
  { family: 'openai', method: 'POST', path: () => '/v1/completions', auth: 'key', streams: true, fields: [...samplingFields, 'suffix', 'echo', 'prompt'],
    body: (_t, rng, model) => ({ model, prompt: pick<FuzzValue>(rng, [text(rng), [text(rng), 'b'], [1, 2, 3]]), max_tokens: 8, ...(rng() < 0.4 ? { stream: true } : {}) }) },
  { family: 'openai', method: 'POST', path: () => '/v1/embeddings', auth: 'key', fields: ['input', 'dimensions', 'encoding_format'],
    body: (_t, rng, model) => ({ model, input: pick<FuzzValue>(rng, [text(rng), ['a', 'b'], [[1, 2, 3]]]) }) },
  { family: 'openai', method: 'GET', path: () => '/v1/models', auth: 'key' },
  { family: 'openai', method: 'GET', path: (t, rng) => `/v1/models/${pick(rng, [t.model, t.deadModel, 'nope', '%00', 'gpt-4o', 'a'.repeat(2000)])}`, auth: 'key' },
  { family: 'anthropic', method: 'POST', path: (_t, rng) => pick(rng, ['/v1/messages', '/v1/messages?beta=true']), auth: 'key', streams: true,
    fields: ['max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'system', 'tools', 'tool_choice', 'metadata', 'thinking'],
    body: (_t, rng, model) => ({ model, max_tokens: 8, messages: messages(rng), ...(rng() < 0.4 ? { stream: true } : {}), ...(rng() < 0.3 ? { system: 'Be brief.' } : {}), ...(rng() < 0.2 ? { tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }] } : {}) }) },
  { family: 'anthropic', method: 'POST', path: () => '/v1/messages/count_tokens', auth: 'key', fields: ['system', 'tools'],
    body: (_t, rng, model) => ({ model, messages: messages(rng) }) },
  { family: 'responses', method: 'POST', path: () => '/v1/responses', auth: 'key', streams: true,
    fields: ['max_output_tokens', 'temperature', 'top_p', 'instructions', 'tools', 'tool_choice', 'previous_response_id', 'text', 'store', 'include', 'metadata', 'parallel_tool_calls', 'reasoning'],
    body: (t, rng, model) => ({ model, input: pick<FuzzValue>(rng, [text(rng), [{ role: 'user', content: text(rng) }]]), max_output_tokens: 16, ...(rng() < 0.4 ? { stream: true } : {}), ...(rng() < 0.3 ? { previous_response_id: t.responseId } : {}), ...(rng() < 0.3 ? { store: false } : {}) }) },
  { family: 'responses', method: 'GET', path: (t, rng) => `/v1/responses/${pick(rng, [t.responseId, id(rng)])}${pick(rng, ['', '/input_items', '/input_items?limit=1e400&order=sideways'])}`, auth: 'key' },
  { family: 'responses', method: 'DELETE', path: (_t, rng) => `/v1/responses/${id(rng)}`, auth: 'key' },
  { family: 'rerank', method: 'POST', path: (_t, rng) => pick(rng, ['/v1/rerank', '/v2/rerank', '/rerank']), auth: 'key', fields: ['top_n', 'return_documents', 'documents', 'query'],
    body: (_t, rng, model) => ({ model, query: text(rng), documents: ['a', 'b', text(rng)], ...(rng() < 0.5 ? { top_n: 2 } : {}) }) },
  { family: 'rerank', method: 'POST', path: () => '/v1/score', auth: 'key', fields: ['text_1', 'text_2'],
    body: (_t, rng, model) => ({ model, text_1: text(rng), text_2: ['a', 'b'] }) },
  { family: 'ollama', method: 'POST', path: () => '/api/chat', auth: 'key', streams: true, fields: ['options', 'format', 'keep_alive', 'tools', 'think', ...ollamaOptions.map((o) => `options.${o}`)],
    body: (_t, rng, model) => ({ model, messages: messages(rng), stream: rng() < 0.5, options: { num_predict: 8 } }) },
  { family: 'ollama', method: 'POST', path: () => '/api/generate', auth: 'key', streams: true, fields: ['options', 'format', 'keep_alive', 'system', 'suffix', 'raw', 'template', 'context', 'images', ...ollamaOptions.map((o) => `options.${o}`)],
    body: (_t, rng, model) => ({ model, prompt: text(rng), stream: rng() < 0.5, options: { num_predict: 8 } }) },
  { family: 'ollama', method: 'POST', path: () => '/api/embed', auth: 'key', fields: ['input', 'truncate', 'options', 'keep_alive', 'dimensions'],
    body: (_t, rng, model) => ({ model, input: pick<FuzzValue>(rng, [text(rng), ['a', 'b']]) }) },
  { family: 'ollama', method: 'POST', path: () => '/api/embeddings', auth: 'key', fields: ['prompt', 'options'],
    body: (_t, rng, model) => ({ model, prompt: text(rng) }) },
  { family: 'ollama', method: 'POST', path: () => '/api/show', auth: 'key', fields: ['name', 'verbose'], body: (_t, _rng, model) => ({ model }) },
  { family: 'ollama', method: 'GET', path: (_t, rng) => pick(rng, ['/api/tags', '/api/version', '/api/ps']), auth: 'key' },
  { family: 'admin', method: 'POST', path: () => '/admin/keys', auth: 'admin', fields: keyFields,
    body: (t, rng) => ({ name: `fuzz-${Math.floor(rng() * 1e6)}`, models: [t.model], budget: 5, budget_period: 'monthly', rpm: 600 }) },
  { family: 'admin', method: 'GET', path: (_t, rng) => pick(rng, ['/admin/keys', '/admin/users', '/admin/teams', '/admin/audit', '/admin/router', '/admin/plan', '/admin/audit?limit=1e400']), auth: 'admin' },
  { family: 'admin', method: 'GET', path: (_t, rng) => `${pick(rng, ['/admin/usage', '/admin/activity', '/admin/spend', '/admin/logs'])}?${pick(rng, ['', 'group_by=key', 'from=9e15', 'to=NaN', 'from=2026-01-01&to=2025-01-01', 'group_by=%00', 'bucket=hour&from=0', 'format=csv', 'key=%00', 'from=-1', 'to=99999999999999999999', 'limit=-5&offset=1e400', 'split=model&bucket=minute'])}`, auth: 'admin' },
  { family: 'admin', method: 'PATCH', path: (t, rng) => `/admin/keys/${pick(rng, [t.userKeyId, id(rng)])}`, auth: 'admin', fields: keyFields, body: () => ({ rpm: 1000 }) },
  { family: 'admin', method: 'GET', path: (t, rng) => `/admin/keys/${pick(rng, [t.userKeyId, id(rng)])}`, auth: 'admin' },
  { family: 'admin', method: 'DELETE', path: (_t, rng) => `/admin/${pick(rng, ['keys', 'users', 'teams'])}/${id(rng)}`, auth: 'admin' },
  { family: 'admin', method: 'POST', path: (_t, rng) => `/admin/${pick(rng, ['users', 'teams'])}`, auth: 'admin', fields: ['name', 'email', 'team_id', 'budget', 'metadata'],
    body: (_t, rng) => ({ name: `fuzz-${Math.floor(rng() * 1e6)}` }) },
  { family: 'admin', method: 'PATCH', path: (_t, rng) => `/admin/${pick(rng, ['users', 'teams'])}/${id(rng)}`, auth: 'admin', fields: ['name', 'budget'], body: () => ({ name: 'x' }) },
  { family: 'admin', method: 'POST', path: () => '/admin/plan', auth: 'admin', fields: ['model', 'users', 'gpu', 'gpus', 'quant', 'context', 'tokens_per_second', 'ttft_ms', 'hours_per_day', 'days_per_week', 'growth'],
    body: (_t, rng) => ({ model: pick(rng, ['llama-3.1-8b', 'nope']), users: pick(rng, [1, 70]) }) },
  { family: 'key', method: 'GET', path: (_t, rng) => pick(rng, ['/v1/key', '/v1/key/models', '/v1/key/activity', '/v1/key/activity?from=9e15', '/v1/key/activity?bucket=%00&to=NaN']), auth: 'key' },
  { family: 'console', method: 'POST', path: () => '/ui/session', auth: 'none', fields: ['key', 'method'], body: (t, rng) => ({ key: pick(rng, [t.userKey, t.masterKey, 'sk-wrong', t.revokedKey]) }) },
  { family: 'console', method: 'GET', path: (_t, rng) => pick(rng, ['/ui/session', '/ui/session/methods', '/ui/', '/ui', '/ui/index.html', '/ui/assets/nope.js', '/ui/../../etc/passwd', '/ui/%2e%2e/%2e%2e/etc/passwd', '/ui/plan', '/ui/keys?x=%00']), auth: 'session' },
  { family: 'console', method: 'DELETE', path: () => '/ui/session', auth: 'session' },
  { family: 'ops', method: 'GET', path: (_t, rng) => pick(rng, ['/health', '/health/live', '/health/ready', '/metrics']), auth: 'none' },
];

const oddPaths = ['/', '//v1//chat/completions', '/v1/chat/completions/', '/V1/CHAT/COMPLETIONS', '/v1/chat/completions%00', '/v1/%ZZ', `/${'a'.repeat(9000)}`,
  '/v1/chat/completions?stream=true&model=%00', '/api/../admin/keys', '/admin', '/admin/', '/admin/keys/../../v1/models', '/v1/../../../etc/passwd', '*', 'http://evil/v1/models',
  '/v1/models?'.padEnd(3000, '&x=1'), '/v3/rerank', '/api', '/api/', '/api/pull', '/api/delete', '/v1/files', '/v1/audio/speech', '/health/../metrics', '/%F0%9F%99%82'];
const oddMethods = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'FOO', 'POST'];

function authHeaders(t: FuzzTarget, rng: Rng, wants: Route['auth']): string[] {
  const r = rng();
  // Mostly the right credential, so requests get past the access stage and reach codecs and engines.
  if (r < 0.7) {
    if (wants === 'admin') return [`Authorization: Bearer ${t.masterKey}`];
    if (wants === 'session') return [`Cookie: relais_session=${t.sessionCookie}`, `x-relais-csrf: ${t.csrf}`, `Origin: http://${t.host}:${t.port}`];
    if (wants === 'key') return [rng() < 0.5 ? `Authorization: Bearer ${t.userKey}` : rng() < 0.5 ? `x-api-key: ${t.userKey}` : `Authorization: Bearer ${t.masterKey}`];
    return [];
  }
  return pick(rng, [
    [],
    [`Authorization: Bearer ${t.revokedKey}`],
    ['Authorization: Bearer sk-not-a-key'],
    ['Authorization: Bearer '],
    ['Authorization: Basic dXNlcjpwYXNz'],
    [`Authorization: Bearer ${'k'.repeat(6000)}`],
    [`Authorization: bearer ${t.userKey}`],
    [`Authorization: Bearer ${t.userKey}`, `x-api-key: ${t.masterKey}`],
    [`Authorization: Bearer ${t.userKey}`], // a user key on an admin route
    ['Cookie: relais_session=garbage; relais_session=more'],
    [`Cookie: relais_session=${t.sessionCookie}`], // no CSRF token
    [`Cookie: relais_session=${t.sessionCookie}`, 'x-relais-csrf: wrong', 'Origin: http://evil.example'],
  ]);
}

function oddHeaders(rng: Rng): string[] {
  return pick(rng, [
    ['x-request-id: ' + 'r'.repeat(500)],
    ['x-request-id: a b\tc'],
    ['Expect: 100-continue'],
    ['Connection: close'],
    ['Accept: text/event-stream'],
    ['Accept-Encoding: gzip, br'],
    ['Content-Encoding: gzip'],
    ['anthropic-version: \u00ff\u00fe'],
    ['anthropic-beta: x,,,y'],
    ['traceparent: 00-zzzz-yyyy-01'],
    ['traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['Origin: http://evil.example'],
    Array.from({ length: 90 }, (_v, i) => `x-fuzz-${i}: ${'v'.repeat(50)}`),
    [`x-big: ${'h'.repeat(20_000)}`],
    ['x-forwarded-for: 1.2.3.4, ::1, <script>'],
    ['Host: '],
    ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'],
    ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA'],
  ]);
}

function request(method: string, path: string, headers: string[], body: Buffer | undefined, o: { contentType?: string | null; contentLength?: string | null } = {}): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers];
  if (body !== undefined) {
    if (o.contentType !== null) lines.push(`Content-Type: ${o.contentType ?? 'application/json'}`);
    if (o.contentLength !== null) lines.push(`Content-Length: ${o.contentLength ?? body.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

function setPath(body: Body, path: string, value: FuzzValue | undefined): void {
  const parts = path.split('.');
  let cur: Body = body;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next) || next instanceof RawJson) cur[p] = {};
    cur = cur[p] as Body;
  }
  const last = parts[parts.length - 1] ?? '';
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

function mutate(rng: Rng, body: Body, route: Route): void {
  const own = Object.keys(body);
  const fields = [...own, ...(route.fields ?? []), 'messages.0.content', 'unknown_field'];
  const times = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < times; i++) {
    const f = pick(rng, fields);
    if (f === 'messages.0.content' && Array.isArray(body.messages)) {
      const m = body.messages[0];
      if (m && typeof m === 'object' && !Array.isArray(m) && !(m instanceof RawJson)) m.content = hostileValue(rng);
      continue;
    }
    setPath(body, f, rng() < 0.12 ? undefined : hostileValue(rng));
  }
}

function modelFor(t: FuzzTarget, rng: Rng): string {
  const r = rng();
  if (r < 0.7) return t.model;
  if (r < 0.8) return t.deadModel;
  return pick(rng, ['nope', 'gpt-4o-mini', 'claude-3-haiku', '', ' ', 'a'.repeat(5000), '\u0000', '../chat', 'CHAT', 'chat:latest']);
}

/** The `index`-th case, drawn from its own seeded stream (the runner seeds it from --seed and the index). */
export function makeCase(t: FuzzTarget, index: number, rng: Rng): FuzzCase {
  const c = draw(t, index, rng);
  // Any request naming the dead backend's model (even in a body mangled around it), and readiness,
  // which reports that model: 502/503/504 is their right answer.
  const bytes = Buffer.concat(c.pieces);
  const dead = bytes.includes(`"${t.deadModel}"`) || /^[A-Za-z]+ \/health(\/ready)?[ ?]/.test(bytes.subarray(0, 64).toString('latin1'));
  return c.deadAt ? c : { ...c, deadBackend: dead };
}

function draw(t: FuzzTarget, index: number, rng: Rng): FuzzCase {
  const route = pick(rng, routes);
  const model = modelFor(t, rng);
  const body = route.body?.(t, rng, model);
  const path = route.path(t, rng);
  const label = `${route.method} ${path.split('?')[0]?.slice(0, 60)}`;
  // Readiness says whether every model can be served: with the dead backend's model, 503 is its answer.
  const dead = (body !== undefined && body.model === t.deadModel) || /^\/health(\/ready)?$/.test(path);
  const auth = authHeaders(t, rng, route.auth);
  const base = { id: index, family: route.family, label, deadBackend: dead };
  const roll = rng();
  const bodyText = (): Buffer => Buffer.from(body ? jsonText(body) : '', 'utf8');

  if (roll < 0.3 && body) {
    mutate(rng, body, route);
    return { ...base, kind: 'hostile-field', deadBackend: body.model === t.deadModel, pieces: [request(route.method, path, auth, bodyText())], expect: 1 };
  }
  if (roll < 0.45 && body) {
    return { ...base, kind: 'malformed-body', deadBackend: false, pieces: [request(route.method, path, auth, malformedBody(rng, jsonText(body)))], expect: 1 };
  }
  if (roll < 0.55) {
    // The valid request, as a client would send it (stream aborted half-way now and then).
    const abort = route.streams && body?.stream === true && rng() < 0.4;
    const pieces = [request(route.method, path, auth, body ? bodyText() : undefined)];
    if (abort) return { ...base, kind: 'abort-mid-stream', pieces, expect: 1, abortAfterBytes: 1 + Math.floor(rng() * 400) };
    return { ...base, kind: 'valid', pieces, expect: 1 };
  }
  if (roll < 0.62) {
    return { ...base, kind: 'odd-headers', pieces: [request(route.method, path, [...auth, ...oddHeaders(rng)], body ? bodyText() : undefined, { contentType: pick(rng, [undefined, null, 'text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) })], expect: 1 };
  }
  if (roll < 0.69) {
    const method = pick(rng, oddMethods);
    const p = rng() < 0.5 ? pick(rng, oddPaths) : path;
    const odd = request(method, p, auth, rng() < 0.5 && body ? bodyText() : undefined);
    return { ...base, kind: 'odd-method-or-path', label: `${method} ${p.slice(0, 60)}`, deadBackend: /^\/health(\/ready)?$/.test(p), pieces: [odd], expect: 1, ...(method === 'HEAD' ? { headAt: new Set([0]) } : {}) };
  }
  if (roll < 0.76) {
    // Framing: a Content-Length that lies, chunked bodies, both at once, a negative length.
    const b = bodyText();
    const variant = Math.floor(rng() * 7);
    if (variant === 6) {
      // A slow client: headers, then the body in two pieces 200 ms apart; it must be answered normally.
      const whole = request(route.method, path, auth, b);
      const at = whole.indexOf('\r\n\r\n') + 4 + Math.floor(b.length / 2);
      return { ...base, kind: 'slow-body', pieces: [whole.subarray(0, at), whole.subarray(at)], pauseMs: 200, expect: 1 };
    }
    if (variant === 0) {
      const short = Math.max(0, b.length - 1 - Math.floor(rng() * Math.min(20, b.length)));
      return { ...base, kind: 'framing-short-length', deadBackend: false, pieces: [request(route.method, path, auth, b, { contentLength: String(short) })], expect: 1 };
    }
    if (variant === 1) {
      const chunked = Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);
      return { ...base, kind: 'framing-chunked', pieces: [request(route.method, path, [...auth, 'Transfer-Encoding: chunked'], chunked, { contentLength: null })], expect: 1 };
    }
    if (variant === 2) {
      const bad = Buffer.from(`zz\r\n${b.toString('utf8')}\r\n0\r\n\r\n`);
      return { ...base, kind: 'framing-bad-chunk', deadBackend: false, pieces: [request(route.method, path, [...auth, 'Transfer-Encoding: chunked'], bad, { contentLength: null })], expect: 1 };
    }
    if (variant === 3) {
      return { ...base, kind: 'framing-cl-and-te', deadBackend: false, pieces: [request(route.method, path, [...auth, 'Transfer-Encoding: chunked'], b)], expect: 1 };
    }
    if (variant === 4) {
      return { ...base, kind: 'framing-bad-length', deadBackend: false, pieces: [request(route.method, path, auth, b, { contentLength: pick(rng, ['-1', '+5', '1e3', '0x10', '99999999999999999999', `${b.length}, ${b.length + 1}`]) })], expect: 1 };
    }
    return { ...base, kind: 'framing-huge-body', deadBackend: false, pieces: [request(route.method, path, auth, Buffer.alloc(5 * 1024 * 1024, 0x20))], expect: 1 };
  }
  if (roll < 0.86) {
    // Pipelined: several requests in one write, answered in order on one connection.
    const n = 2 + Math.floor(rng() * 3);
    const pieces: Buffer[] = [];
    const deadAt = new Set<number>();
    for (let i = 0; i < n; i++) {
      const r = pick(rng, routes.filter((x) => x.family !== 'admin' || x.method === 'GET'));
      const b = r.body?.(t, rng, rng() < 0.8 ? t.model : t.deadModel);
      if (b && 'stream' in b && rng() < 0.5) b.stream = false;
      const p = r.path(t, rng);
      if (b?.model === t.deadModel || /^\/health(\/ready)?$/.test(p)) deadAt.add(i);
      pieces.push(request(r.method, p, authHeaders(t, () => 0, r.auth), b ? Buffer.from(jsonText(b)) : undefined));
    }
    return { ...base, kind: 'pipelined', label: `${n} pipelined`, deadBackend: false, deadAt, pieces: [Buffer.concat(pieces)], expect: n };
  }
  // Half-sent: the client stops mid-headers or mid-body and goes away.
  const whole = request(route.method, path, auth, body ? bodyText() : Buffer.from('{"model":"x"}'));
  const headEnd = whole.indexOf('\r\n\r\n');
  const cut = rng() < 0.5 ? Math.floor(rng() * headEnd) : headEnd + 4 + Math.floor(rng() * Math.max(1, whole.length - headEnd - 5));
  return { ...base, kind: 'half-sent', deadBackend: false, pieces: [whole.subarray(0, cut)], pauseMs: 50 + Math.floor(rng() * 300), expect: 0 };
}
