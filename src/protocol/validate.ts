// Field checks shared by the codecs: each failure is a 400 that names the parameter.
import { errors } from './errors.js';
import type { JsonObject, JsonValue } from './json.js';

type Check = (v: JsonValue) => boolean;

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

export function optionalNumber(body: JsonObject, name: string, min: number, max: number, integer = false): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw errors.invalidParam(name, `Invalid type for '${name}': expected ${integer ? 'an integer' : 'a number'}.`);
  }
  if (v < min || v > max) throw errors.invalidParam(name, `Invalid value for '${name}': ${v} is outside [${min}, ${max}].`);
  return v;
}

export function requireString(body: JsonObject, name: string): string {
  const v = body[name];
  if (v === undefined || v === null) throw errors.missingParam(name);
  if (typeof v !== 'string' || v.length === 0) throw errors.invalidParam(name, `Invalid type for '${name}': expected a non-empty string.`);
  return v;
}
