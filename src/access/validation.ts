// Turns a zod failure into a 400 GatewayError that names the field.
import type { ZodError, ZodIssue, ZodType, ZodTypeDef } from 'zod';
import { errors, type GatewayError } from '../protocol/errors.js';

function field(issue: ZodIssue): string {
  const path = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...issue.path, issue.keys[0]] : issue.path;
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function reason(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_type') return issue.received === 'undefined' ? 'is required' : `expected ${issue.expected}, got ${issue.received}`;
  if (issue.code === 'invalid_enum_value') return `expected one of ${issue.options.join(', ')}, got '${String(issue.received)}'`;
  return issue.message;
}

export function validationError(err: ZodError): GatewayError {
  const issues = err.issues;
  const first = issues[0];
  const message = issues.map((i) => `${field(i) || '(body)'}: ${reason(i)}`).join('; ');
  return errors.invalidParam(first ? field(first) || 'body' : 'body', `Invalid request: ${message}.`);
}

export function parseInput<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw errors.invalidParam('body', 'Invalid request: the body must be a JSON object.');
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(r.error);
  return r.data;
}
