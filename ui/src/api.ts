// The console's only way to the gateway: same-origin fetches to the public admin and key-scoped APIs,
// authenticated by the session cookie; state changes carry the session's CSRF token in a header.
let csrfToken: string | undefined;
let onSignedOut: (message: string) => void = () => undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the gateway says the session is over (signed out elsewhere, expired, key revoked). */
export function onSessionEnded(handler: (message: string) => void): void {
  onSignedOut = handler;
}

interface ErrorBody {
  error?: { message?: string; code?: string | null } | string;
}

export async function errorFrom(r: Response): Promise<ApiError> {
  let message = `${r.status} ${r.statusText}`;
  let code: string | null = null;
  try {
    const body = (await r.json()) as ErrorBody;
    if (typeof body.error === 'string') message = body.error;
    else if (body.error?.message) {
      message = body.error.message;
      code = body.error.code ?? null;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(r.status, message, code);
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** Headers every console request carries (the CSRF token on state changes). */
export function apiHeaders(method: string, json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (json) h['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) h['x-relais-csrf'] = csrfToken;
  return h;
}

/** Raw fetch with the console's headers; a 401 ends the session in the UI. */
export async function apiFetch(path: string, o: RequestOptions = {}): Promise<Response> {
  const method = o.method ?? 'GET';
  const r = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: apiHeaders(method, o.body !== undefined),
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    signal: o.signal,
  });
  if (!r.ok) {
    const err = await errorFrom(r);
    if (r.status === 401 && !path.startsWith('/ui/session')) onSignedOut(err.message);
    throw err;
  }
  return r;
}

export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const r = await apiFetch(path, o);
  if (r.status === 204) return undefined as T;
  return (await r.json()) as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
