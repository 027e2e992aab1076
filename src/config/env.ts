// ${VAR} and ${VAR:-default} interpolation from the environment, applied to string values only,
// so that the YAML structure (and its line numbers for errors) stays as written.

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(value: string, env: NodeJS.ProcessEnv): string | undefined {
  let unset = false;
  const out = value.replace(pattern, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    unset = true;
    return '';
  });
  // A value that is only an unset variable means "not given" (e.g. master_key: ${RELAIS_MASTER_KEY}).
  return unset && out === '' ? undefined : out;
}

export function interpolateTree(node: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const iv = interpolateTree(v, env);
      if (iv !== undefined) out[k] = iv;
    }
    return out;
  }
  return node;
}
