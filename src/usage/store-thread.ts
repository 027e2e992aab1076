// The usage writer's store in a worker thread: SQLite's synchronous batch transactions (and the
// PostgreSQL client's query building) run there, so the event loop only hands records over.
// The worker opens its own connection to the same store; a failure comes back with its code, so
// the writer tells a refused row from an unreachable store exactly as it does in-process.
import { Worker } from 'node:worker_threads';
import type { StoreConfig } from '../store/open-store.js';
import type { Store } from '../store/types.js';

/** What the usage writer needs of a store. */
export type UsageStore = Pick<Store, 'insertUsage' | 'journalMark' | 'forgetJournal' | 'insertPromptLogs' | 'purgePromptLogs'>;

export type UsageOp = keyof UsageStore | 'close';

export interface UsageCall {
  readonly id: number;
  readonly op: UsageOp;
  readonly args: readonly unknown[];
}

export type UsageReply = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: { message: string; code?: string; name: string } };

export interface StoreThreadConfig {
  readonly data_dir: string;
  readonly store?: StoreConfig | undefined;
}

/**
 * Built, the worker is a .js file next to this one. Under tsx (tests, benches) it is .ts, and a
 * worker does not inherit tsx's loader on Node 20: a small bootstrap registers it first.
 */
function newWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./store-thread-worker.js', import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./store-thread-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export class UsageStoreThread implements UsageStore {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: UsageReply | { ready: true }) => {
      if ('ready' in m) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name, ...(m.error.code === undefined ? {} : { code: m.error.code }) }));
    });
    const fail = (err: Error): void => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`usage store thread exited (${code})`)));
    // Idle, the thread does not keep the process alive; a call in flight does (see call()).
    worker.unref();
  }

  /** Starts the thread and resolves once its store is open (migrations done by the caller's store first). */
  static start(config: StoreThreadConfig): Promise<UsageStoreThread> {
    const worker = newWorker({ data_dir: config.data_dir, store: config.store });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      worker.once('error', onError);
      worker.once('message', (m: { ready?: boolean; error?: string }) => {
        worker.off('error', onError);
        if (m.ready) resolve(new UsageStoreThread(worker));
        else {
          void worker.terminate();
          reject(new Error(`usage store thread: ${m.error ?? 'did not start'}`));
        }
      });
    });
  }

  private call<T>(op: UsageOp, args: readonly unknown[]): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.next;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args } satisfies UsageCall);
    });
  }

  insertUsage(...args: Parameters<Store['insertUsage']>): Promise<void> {
    return this.call('insertUsage', args);
  }

  journalMark(journalId: string): Promise<number> {
    return this.call('journalMark', [journalId]);
  }

  forgetJournal(journalId: string): Promise<void> {
    return this.call('forgetJournal', [journalId]);
  }

  insertPromptLogs(...args: Parameters<Store['insertPromptLogs']>): Promise<void> {
    return this.call('insertPromptLogs', args);
  }

  purgePromptLogs(now: number): Promise<number> {
    return this.call('purgePromptLogs', [now]);
  }

  /** Closes the thread's store connection and ends the thread. */
  async close(): Promise<void> {
    if (this.failed) return;
    try {
      await this.call('close', []);
    } finally {
      await this.worker.terminate();
    }
  }
}
