// An in-process gateway with the real key store (SQLite), the real access stage (in-memory or Redis
// limiter) and a scriptable engine: for tests of budgets, limits and openness over HTTP.
import { createAccess } from '../../src/access/create-access.js';
import { createKey } from '../../src/access/identity-ops.js';
import type { KeyAccess } from '../../src/access/key-access.js';
import { configSchema } from '../../src/config/schema.js';
import { Gateway } from '../../src/server/gateway.js';
import type { Store } from '../../src/store/types.js';
import { createLogger, type Logger } from '../../src/telemetry/log.js';
import { sqliteTestStore } from '../store/services.js';
import { requestJson, type JsonReply } from '../support/http-json.js';
import { RecordingSink } from './harness.js';

export interface KeyedGateway {
  readonly url: string;
  readonly access: KeyAccess;
  readonly store: Store;
  readonly usage: RecordingSink;
  readonly warnings: string[];
  /** Creates a key in the store (and reloads this instance's cache); returns its secret and id. */
  key(settings: Record<string, unknown>): Promise<{ id: string; secret: string }>;
  /** POSTs JSON (a string is sent as it is: hostile bodies JSON.stringify cannot write). */
  post(path: string, body: unknown, secret?: string): Promise<JsonReply>;
  /** Spent this period, as the key's limiter counts it. */
  spent(secret: string): Promise<number>;
  close(): Promise<void>;
}

export async function startKeyedGateway(config: Record<string, unknown>, redis: { url: string; prefix: string } | null = null, log: Logger = createLogger('error')): Promise<KeyedGateway> {
  const { store, cleanup } = await sqliteTestStore.open();
  const cfg = configSchema.parse({ log_level: 'error', health: { interval_ms: 60_000 }, ...config });
  const warnings: string[] = [];
  const access = await createAccess({ config: cfg, store, redis, warn: (m) => warnings.push(m) });
  const usage = new RecordingSink();
  const gateway = await Gateway.create(cfg, { log, access, usage });
  const addr = await gateway.listen('127.0.0.1', 0);
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    access,
    store,
    usage,
    warnings,
    async key(settings) {
      const { row, secret } = await createKey(store, { name: 'k', ...settings }, 'test');
      await access.refresh();
      return { id: row.id, secret };
    },
    post: (path, body, secret) => requestJson(`${url}${path}`, 'POST', body, secret ? { authorization: `Bearer ${secret}` } : {}),
    async spent(secret) {
      const status = await access.status(access.authenticate({ authorization: `Bearer ${secret}` }));
      return status.limits?.budget?.spent ?? Number.NaN;
    },
    async close() {
      await gateway.close(500);
      await cleanup();
    },
  };
}
