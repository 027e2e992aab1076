// A value that is valid against a JSON Schema, made deterministically from a random stream: what the
// simulator answers for json_schema response formats and tool-call arguments (the common keywords:
// type, properties/required, items/minItems/maxItems, enum/const, anyOf/oneOf/allOf, $ref to $defs,
// string length and number ranges).
import type { Rng } from '../../random/seeded-rng.js';
import { fillerToken } from './filler.js';

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_DEPTH = 8;

function resolveRef(ref: string, root: Schema): Schema {
  // Local references only (#/$defs/Name, #/definitions/Name).
  let cur: unknown = root;
  for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    cur = isSchema(cur) ? cur[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return isSchema(cur) ? cur : {};
}

function words(rng: Rng, min: number, max: number): string {
  let s = '';
  const target = min + Math.floor(rng() * Math.max(1, Math.min(max, 24) - min + 1));
  for (let i = 0; s.length < target; i++) s += fillerToken(Math.floor(rng() * 16) + i);
  s = s.trim();
  while (s.length < min) s += 'x';
  return s.slice(0, max);
}

function formatted(format: string, rng: Rng): string | undefined {
  const n = Math.floor(rng() * 1000);
  switch (format) {
    case 'date-time':
      return new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString();
    case 'date':
      return new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    case 'email':
      return `user${n}@example.org`;
    case 'uri':
    case 'url':
      return `https://example.org/${n}`;
    case 'uuid':
      return `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
    default:
      return undefined;
  }
}

function typeOf(schema: Schema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  // A list of types: the first that is not null, so the value carries information.
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (isSchema(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function instance(schema: Schema, root: Schema, rng: Rng, depth: number): unknown {
  if (typeof schema.$ref === 'string') return instance(resolveRef(schema.$ref, root), root, rng, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[Math.floor(rng() * schema.enum.length)];
  for (const key of ['anyOf', 'oneOf']) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((o) => isSchema(o) && o.type !== 'null') ?? options[0];
      return instance(isSchema(pick) ? pick : {}, root, rng, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = { ...schema, allOf: undefined };
    for (const part of schema.allOf) {
      if (!isSchema(part)) continue;
      Object.assign(merged, part, {
        properties: { ...(isSchema(merged.properties) ? merged.properties : {}), ...(isSchema(part.properties) ? part.properties : {}) },
        required: [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(part.required) ? part.required : [])],
      });
    }
    delete merged.allOf;
    return instance(merged, root, rng, depth + 1);
  }
  const num = (k: string): number | undefined => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  switch (typeOf(schema)) {
    case 'object': {
      const props = isSchema(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : Object.keys(props));
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      for (const [k, sub] of Object.entries(props)) {
        // Optional properties are kept too (deterministically), except when the schema nests deeply.
        if (required.has(k) || depth < 3) out[k] = instance(isSchema(sub) ? sub : {}, root, rng, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = num('minItems') ?? 1;
      const max = Math.max(min, num('maxItems') ?? Math.max(min, 3));
      const n = depth >= MAX_DEPTH ? min : min + Math.floor(rng() * Math.min(3, max - min + 1));
      const items = schema.items;
      if (Array.isArray(schema.prefixItems)) return schema.prefixItems.map((p) => instance(isSchema(p) ? p : {}, root, rng, depth + 1));
      return Array.from({ length: n }, () => instance(isSchema(items) ? items : {}, root, rng, depth + 1));
    }
    case 'integer': {
      const lo = Math.ceil(num('minimum') ?? (num('exclusiveMinimum') !== undefined ? (num('exclusiveMinimum') as number) + 1 : 0));
      const hi = Math.floor(num('maximum') ?? (num('exclusiveMaximum') !== undefined ? (num('exclusiveMaximum') as number) - 1 : lo + 100));
      return hi < lo ? lo : lo + Math.floor(rng() * (hi - lo + 1));
    }
    case 'number': {
      const lo = num('minimum') ?? num('exclusiveMinimum') ?? 0;
      const hi = num('maximum') ?? num('exclusiveMaximum') ?? lo + 100;
      // Two decimals, strictly inside the range when it is exclusive.
      const v = Math.round((lo + (hi - lo) * (0.1 + 0.8 * rng())) * 100) / 100;
      return Math.min(Math.max(v, lo), hi);
    }
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    case 'string': {
      const f = typeof schema.format === 'string' ? formatted(schema.format, rng) : undefined;
      if (f !== undefined) return f;
      return words(rng, num('minLength') ?? 1, num('maxLength') ?? 24);
    }
    default:
      return words(rng, 1, 12);
  }
}

export function jsonInstance(schema: unknown, rng: Rng): unknown {
  const root = isSchema(schema) ? schema : {};
  return instance(root, root, rng, 0);
}
