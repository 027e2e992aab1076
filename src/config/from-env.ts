// Backends and models from the environment, for a one-line start without a config file:
//   RELAIS_BACKENDS="gpu1=vllm:http://10.0.0.5:8000,gpu2=vllm:http://10.0.0.6:8000"
//   RELAIS_MODELS="llama-3.1-8b=meta-llama/Llama-3.1-8B-Instruct"   (optional: discovered from /v1/models when absent)
// Each model is deployed on every listed backend. Entries without an id get b1, b2, ...

export interface EnvBackendsRaw {
  backends?: Record<string, { kind: string; url: string; api_key?: string }>;
  models?: { name: string; deployments: { backend: string; model: string }[] }[];
}

function split(list: string | undefined): string[] {
  return (list ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function backendsFromEnv(env: NodeJS.ProcessEnv): EnvBackendsRaw {
  const entries = split(env.RELAIS_BACKENDS);
  if (entries.length === 0) return {};
  const backends: NonNullable<EnvBackendsRaw['backends']> = {};
  entries.forEach((entry, i) => {
    const eq = entry.indexOf('=');
    const hasId = eq > 0 && eq < entry.indexOf(':');
    const id = hasId ? entry.slice(0, eq) : `b${i + 1}`;
    const spec = hasId ? entry.slice(eq + 1) : entry;
    const colon = spec.indexOf(':');
    const kind = spec.slice(0, colon);
    const url = spec.slice(colon + 1);
    backends[id] = { kind, url, ...(env.RELAIS_BACKEND_API_KEY ? { api_key: env.RELAIS_BACKEND_API_KEY } : {}) };
  });
  const models = split(env.RELAIS_MODELS).map((m) => {
    const eq = m.indexOf('=');
    const name = eq > 0 ? m.slice(0, eq) : m;
    const upstream = eq > 0 ? m.slice(eq + 1) : m;
    return { name, deployments: Object.keys(backends).map((backend) => ({ backend, model: upstream })) };
  });
  return models.length > 0 ? { backends, models } : { backends };
}
