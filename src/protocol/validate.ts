// Field checks shared by the codecs: each failure is a 400 that names the parameter.
import { errors } from './errors.js';
import type { JsonObject, JsonValue } from './json.js';

type Check = (v: JsonValue) => boolean;

/** Most completion tokens one choice may ask for: far above any context window, far below overflow. */
export const MAX_OUTPUT_TOKENS = 10_000_000;
/** Most choices (n, best_of) one request may ask for. */
export const MAX_CHOICES = 128;

export const isString: Check = (v) => typeof v === 'string';
export const isBool: Check = (v) => typeof v === 'boolean';
export const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isArray: Check = (v) => Array.isArray(v);
export const isStringOrStrings: Check = (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));

export function optional(body: JsonObject, name: string, check: Check, expected: string): void {
  const v = body[name];
  if (v === undefined || v === null) return;
  if (!check(v)) throw errors.invalidParam(name, `Invalid type for '${name}': expected ${expected}.`);
}

/** A finite number in [min, max] (an integer when asked); `field` names it in errors (default: name). */
export function optionalNumber(body: JsonObject, name: string, min: number, max: number, integer = false, field = name): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw errors.invalidParam(field, `Invalid type for '${field}': expected ${integer ? 'an integer' : 'a number'}.`);
  }
  if (v < min || v > max) throw errors.invalidParam(field, `Invalid value for '${field}': ${v} is outside [${min}, ${max}].`);
  return v;
}

/** Every value of an optional object field is a finite number in [min, max] (logit_bias). */
export function optionalNumberMap(body: JsonObject, name: string, min: number, max: number): void {
  const v = body[name];
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) throw errors.invalidParam(name, `Invalid type for '${name}': expected an object.`);
  for (const k of Object.keys(v)) optionalNumber(v, k, min, max, false, `${name}.${k}`);
}

export function requireString(body: JsonObject, name: string): string {
  const v = body[name];
  if (v === undefined || v === null) throw errors.missingParam(name);
  if (typeof v !== 'string' || v.length === 0) throw errors.invalidParam(name, `Invalid type for '${name}': expected a non-empty string.`);
  return v;
}
