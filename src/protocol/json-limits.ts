// Bounds on a parsed request body, checked in one walk right after JSON.parse: nesting depth and
// finite numbers. JSON.parse copes with any depth and turns 1e400 into Infinity; what comes later
// (JSON.stringify to the engine, counters, prices) does not, so both stop here with a 400.
import { errors, GatewayError } from './errors.js';

/** Deepest nesting accepted anywhere in a body (a JSON schema 30 levels deep still fits). */
export const MAX_JSON_DEPTH = 64;

type Step = string | number;

interface Failure {
  readonly kind: 'depth' | 'number';
  readonly path: Step[];
}

// Recursion is safe: it never goes deeper than MAX_JSON_DEPTH. The path is built only on failure.
function walk(v: unknown, depth: number): Failure | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : { kind: 'number', path: [] };
  if (typeof v !== 'object' || v === null) return undefined;
  if (depth >= MAX_JSON_DEPTH) return { kind: 'depth', path: [] };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const f = child(v[i], i, depth);
      if (f) return f;
    }
    return undefined;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const f = child(o[k], k, depth);
    if (f) return f;
  }
  return undefined;
}

function child(item: unknown, step: Step, depth: number): Failure | undefined {
  // Strings, booleans and null cannot fail: skipped without a call.
  if (typeof item !== 'object' && typeof item !== 'number') return undefined;
  const f = walk(item, depth + 1);
  f?.path.unshift(step);
  return f;
}

/** `options.num_predict`, `messages[2].content` — the way codec errors name a field. */
export function fieldPath(path: readonly Step[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || 'body';
}

/** Throws a 400 naming where a value nests deeper than MAX_JSON_DEPTH or holds a non-finite number. */
export function checkJsonLimits(value: unknown): void {
  const f = walk(value, 0);
  if (!f) return;
  if (f.kind === 'number') {
    const field = fieldPath(f.path);
    throw errors.invalidParam(field, `Invalid value for '${field}': the number is too large to represent (not finite).`);
  }
  const field = fieldPath(f.path.slice(0, 8)) + (f.path.length > 8 ? '…' : '');
  throw new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'json_too_deep',
    param: field,
    message: `Request body nests deeper than ${MAX_JSON_DEPTH} levels (at '${field}').`,
  });
}
