// The worker side of store-thread.ts: one store connection, calls answered in order.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import type { StoreThreadConfig, UsageCall, UsageReply } from './store-thread.js';

const port = parentPort;

function errorOf(err: unknown): { message: string; code?: string; name: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { message: e.message, name: e.name, ...(typeof code === 'string' ? { code } : {}) };
}

async function serve(store: Store): Promise<void> {
  // Calls run one at a time, like the writer's own chain: a batch never overtakes the one before.
  let chain = Promise.resolve();
  port?.on('message', (call: UsageCall) => {
    chain = chain.then(async () => {
      let reply: UsageReply;
      try {
        const value = call.op === 'close' ? await store.close() : await (store[call.op] as (...a: unknown[]) => Promise<unknown>).apply(store, call.args as unknown[]);
        reply = { id: call.id, ok: true, value };
      } catch (err) {
        reply = { id: call.id, ok: false, error: errorOf(err) };
      }
      port.postMessage(reply);
    });
  });
}

openStore(workerData as StoreThreadConfig).then(
  (store) => {
    void serve(store);
    port?.postMessage({ ready: true });
  },
  (err: unknown) => port?.postMessage({ error: String(err) }),
);
