// Loads relais.yaml: YAML → env interpolation → schema validation. Errors name file, line, field and reason.
import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { ZodIssue } from 'zod';
import { extractEnvExpressions, resolveEnv } from './env.js';
import { configSchema, type Config } from './schema.js';
import { backendsFromEnv } from './from-env.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { field: string; line?: number | undefined; reason: string }[],
  ) {
    super(
      `invalid configuration in ${file}:\n` +
        problems.map((p) => `  ${p.field || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.reason}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function fieldName(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** The line of the deepest YAML node that exists along `path`. */
function lineOf(doc: Document, counter: LineCounter, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      return counter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

function describe(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_union_discriminator') return `expected one of ${issue.options.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${issue.received}`;
  if (issue.code === 'invalid_enum_value') return `expected one of ${issue.options.join(', ')}, got '${String(issue.received)}'`;
  return issue.message;
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const counter = new LineCounter();
  const envText = extractEnvExpressions(text);
  const doc = parseDocument(envText.text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ field: '', line: counter.linePos(e.pos[0]).line, reason: `YAML syntax: ${e.message.split('\n')[0]}` })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || (!isMap(doc.contents) && doc.contents !== null)) {
    throw new ConfigError(file, [{ field: '', line: 1, reason: 'the file must be a YAML mapping (key: value)' }]);
  }
  const result = configSchema.safeParse(resolveEnv(raw, envText.expressions, env));
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => {
        // For unknown keys, point at the key itself.
        const path = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...issue.path, issue.keys[0]] : issue.path;
        return { field: fieldName(issue.path), line: lineOf(doc, counter, path), reason: describe(issue) };
      }),
    );
  }
  return result.data;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [{ field: '', reason: code === 'ENOENT' ? 'file not found' : `cannot read: ${String(err)}` }]);
  }
  return parseConfig(text, file, env);
}

/** Config when no file is given: defaults plus backends from the environment (RELAIS_BACKENDS). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = { ...backendsFromEnv(env), ...(env.RELAIS_MASTER_KEY ? { master_key: env.RELAIS_MASTER_KEY } : {}) };
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError('environment (RELAIS_BACKENDS)', result.error.issues.map((i) => ({ field: fieldName(i.path), reason: describe(i) })));
  }
  return result.data;
}

