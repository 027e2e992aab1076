// Where `relais keys` and `relais usage` act: the store directly (from the config), or a running
// gateway's admin API (--url, --admin-key). Both speak the admin API's JSON.
import { createKey, notFound, revokeKey, updateKey } from '../access/identity-ops.js';
import { keyToJson } from '../access/settings-schema.js';
import { configFromEnv, loadConfigFile } from '../config/load.js';
import { GatewayError } from '../protocol/errors.js';
import { toCsv } from '../server/admin/csv.js';
import { timeRange } from '../server/admin/time-range.js';
import { groupOf, rollupToJson } from '../server/admin/usage.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { existsSync } from 'node:fs';

export type Json = Record<string, unknown>;

export interface AdminTarget {
  createKey(body: Json): Promise<Json>;
  listKeys(): Promise<Json[]>;
  getKey(id: string): Promise<Json>;
  updateKey(id: string, body: Json): Promise<Json>;
  revokeKey(id: string): Promise<Json>;
  /** Rows as JSON, or CSV text when query has format=csv. */
  usage(query: URLSearchParams): Promise<Json[] | string>;
  close(): Promise<void>;
}

export interface TargetOptions {
  readonly config?: string | undefined;
  readonly url?: string | undefined;
  readonly adminKey?: string | undefined;
}

/** An error the CLI prints as is (field and reason), without a stack. */
export class CliError extends Error {}

export function fromGateway(err: unknown): never {
  if (err instanceof GatewayError) throw new CliError(err.message);
  throw err;
}

/** The gateway's store, as `relais serve` would open it: --config, $RELAIS_CONFIG, ./relais.yaml, or the environment. */
export async function openConfiguredStore(configFile: string | undefined): Promise<Store> {
  const path = configFile ?? process.env.RELAIS_CONFIG ?? (existsSync('relais.yaml') ? 'relais.yaml' : undefined);
  return openStore(path ? loadConfigFile(path) : configFromEnv());
}

async function storeTarget(configFile: string | undefined): Promise<AdminTarget> {
  const store = await openConfiguredStore(configFile);
  const actor = 'cli';
  return {
    createKey: async (body) => {
      const { row, secret } = await createKey(store, body, actor).catch(fromGateway);
      return { ...keyToJson(row), key: secret };
    },
    listKeys: async () => (await store.listKeys()).map((k) => keyToJson(k)),
    getKey: async (id) => {
      const k = await store.getKey(id);
      if (!k) fromGateway(notFound('key', id));
      return keyToJson(k);
    },
    updateKey: async (id, body) => keyToJson(await updateKey(store, id, body, actor).catch(fromGateway)),
    revokeKey: async (id) => keyToJson(await revokeKey(store, id, actor).catch(fromGateway)),
    usage: async (query) => {
      let rows;
      try {
        const { from, to } = timeRange(query);
        rows = (await store.usage({ groupBy: groupOf(query), from, to, keyId: query.get('key') ?? undefined })).map(rollupToJson);
      } catch (err) {
        fromGateway(err);
      }
      return query.get('format') === 'csv' ? toCsv(['group', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost', 'avg_ms'], rows) : rows;
    },
    close: () => store.close(),
  };
}

export type HttpCall = (method: string, path: string, body?: Json) => Promise<{ json: Json; text: string }>;

/** Calls a gateway's admin API; an error status becomes a CliError with the API's message. */
export function httpCaller(url: string, adminKey: string | undefined): HttpCall {
  const base = url.replace(/\/+$/, '');
  return async function call(method, path, body) {
    const headers: Record<string, string> = {};
    if (adminKey) headers.authorization = `Bearer ${adminKey}`;
    if (body) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    } catch (err) {
      throw new CliError(`cannot reach ${base}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      // CSV or an empty body
    }
    if (!res.ok) {
      const e = json.error as { message?: string } | undefined;
      throw new CliError(`${res.status}: ${e?.message ?? text}`);
    }
    return { json, text };
  };
}

function httpTarget(url: string, adminKey: string | undefined): AdminTarget {
  const call = httpCaller(url, adminKey);
  const id = (s: string): string => encodeURIComponent(s);
  return {
    createKey: async (body) => (await call('POST', '/admin/keys', body)).json,
    listKeys: async () => (await call('GET', '/admin/keys')).json.data as Json[],
    getKey: async (k) => (await call('GET', `/admin/keys/${id(k)}`)).json,
    updateKey: async (k, body) => (await call('PATCH', `/admin/keys/${id(k)}`, body)).json,
    revokeKey: async (k) => (await call('DELETE', `/admin/keys/${id(k)}`)).json,
    usage: async (query) => {
      const r = await call('GET', `/admin/usage?${query.toString()}`);
      return query.get('format') === 'csv' ? r.text : (r.json.data as Json[]);
    },
    close: () => Promise.resolve(),
  };
}

export function openTarget(o: TargetOptions): Promise<AdminTarget> {
  if (o.url) return Promise.resolve(httpTarget(o.url, o.adminKey ?? process.env.RELAIS_ADMIN_KEY));
  return storeTarget(o.config);
}
