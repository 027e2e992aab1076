// ${VAR} and ${VAR:-default} interpolation from the environment. The expressions are swapped for
// YAML-safe placeholders before parsing (braces would break flow maps such as `{ api_key: ${KEY} }`),
// then resolved in string values, so the YAML structure and its line numbers stay as written.

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const placeholder = /__relais_env_(\d+)__/g;

export interface EnvExpressions {
  readonly text: string;
  readonly expressions: readonly { name: string; fallback: string | undefined }[];
}

export function extractEnvExpressions(text: string): EnvExpressions {
  const expressions: { name: string; fallback: string | undefined }[] = [];
  const out = text.replace(pattern, (_m, name: string, fallback: string | undefined) => {
    expressions.push({ name, fallback });
    return `__relais_env_${expressions.length - 1}__`;
  });
  return { text: out, expressions };
}

function resolveString(value: string, exprs: EnvExpressions['expressions'], env: NodeJS.ProcessEnv): string | undefined {
  let unset = false;
  const out = value.replace(placeholder, (_m, i: string) => {
    const e = exprs[Number(i)];
    if (!e) return '';
    const v = env[e.name];
    if (v !== undefined && v !== '') return v;
    if (e.fallback !== undefined) return e.fallback;
    unset = true;
    return '';
  });
  // A value that is only an unset variable means "not given" (e.g. master_key: ${RELAIS_MASTER_KEY}).
  return unset && out === '' ? undefined : out;
}

export function resolveEnv(node: unknown, exprs: EnvExpressions['expressions'], env: NodeJS.ProcessEnv): unknown {
  if (typeof node === 'string') return exprs.length ? resolveString(node, exprs, env) : node;
  if (Array.isArray(node)) return node.map((n) => resolveEnv(n, exprs, env));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const iv = resolveEnv(v, exprs, env);
      if (iv !== undefined) out[k] = iv;
    }
    return out;
  }
  return node;
}
