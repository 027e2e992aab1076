// An in-process gateway with a real store (SQLite or PostgreSQL), keys, the admin API and a fake
// engine, whose log lines the test can read.
import { Writable } from 'node:stream';
import { createAccess } from '../../src/access/create-access.js';
import type { KeyAccess } from '../../src/access/key-access.js';
import { configSchema } from '../../src/config/schema.js';
import { adminRoutes } from '../../src/server/admin/routes.js';
import { Gateway } from '../../src/server/gateway.js';
import type { ExtraRoute } from '../../src/server/routes.js';
import type { Store } from '../../src/store/types.js';
import { createLogger } from '../../src/telemetry/log.js';
import { createUsageWriter, type UsageWriter } from '../../src/usage/batched-writer.js';
import type { TestStore } from '../store/services.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { requestJson, type JsonReply } from '../support/http-json.js';

export const MASTER = 'sk-master-review';

export interface AdminGateway {
  readonly url: string;
  readonly store: Store;
  readonly access: KeyAccess;
  readonly usage: UsageWriter;
  /** JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  /** fetch with the master key (or `key`), JSON in and out. */
  call(method: string, path: string, body?: unknown, key?: string): Promise<JsonReply>;
  close(): Promise<void>;
}

export async function startAdminGateway(
  kind: TestStore,
  options: { models?: string[]; extraRoutes?: ExtraRoute[]; config?: Record<string, unknown> } = {},
): Promise<AdminGateway> {
  const engine: FakeEngine = await startFakeEngine();
  const { store, cleanup } = await kind.open();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = configSchema.parse({
    master_key: MASTER,
    log_level: 'info',
    backends: { a: { kind: 'vllm', url: engine.url } },
    models: (options.models ?? ['m']).map((name) => ({ name, deployments: [{ backend: 'a', model: 'fake-model' }] })),
    health: { interval_ms: 60_000 },
    ...options.config,
  });
  const access = await createAccess({ config, store, redis: null, warn: () => undefined });
  const usage = createUsageWriter(store, { flushMs: 50, warn: () => undefined });
  const gateway = await Gateway.create(config, {
    log: createLogger('info', sink, sink),
    access,
    usage,
    extraRoutes: [...adminRoutes({ store, access, usage, maxBodyBytes: config.limits.max_body_bytes }), ...(options.extraRoutes ?? [])],
  });
  const addr = await gateway.listen('127.0.0.1', 0);
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    store,
    access,
    usage,
    logs,
    call: (method, path, body, key = MASTER) => requestJson(`${url}${path}`, method, body, { authorization: `Bearer ${key}` }),
    async close() {
      await gateway.close(1_000);
      await cleanup();
      await engine.close();
    },
  };
}
