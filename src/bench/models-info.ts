// The endpoint's /v1/models answer, kept verbatim in run.json so a run says what it measured.
import type { Dispatcher } from 'undici';
import type { JsonLike } from './run-types.js';

export interface ModelsAnswer {
  raw: JsonLike;
  ids: string[];
  error?: string;
  /** The HTTP status when the server answered with an error. */
  status?: number;
}

export async function fetchModels(pool: Dispatcher, basePath: string, headers: Record<string, string>): Promise<ModelsAnswer> {
  try {
    const res = await pool.request({ method: 'GET', path: `${basePath}/models`, headers, signal: AbortSignal.timeout(10_000) });
    const text = await res.body.text();
    if (res.statusCode !== 200) return { raw: null, ids: [], status: res.statusCode, error: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` };
    const raw = JSON.parse(text) as JsonLike;
    const data = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw.data : undefined;
    const ids = Array.isArray(data)
      ? data.flatMap((m) => (typeof m === 'object' && m !== null && !Array.isArray(m) && typeof m.id === 'string' ? [m.id] : []))
      : [];
    return { raw, ids };
  } catch (err) {
    return { raw: null, ids: [], error: err instanceof Error ? err.message : String(err) };
  }
}
