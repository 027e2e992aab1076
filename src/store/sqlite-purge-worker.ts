// SQLite purge steps on a worker thread with its own connection: better-sqlite3 is synchronous, so a
// DELETE on the gateway's thread would stop every request for its duration (~10 ms per 2,000 rows).
// On the worker, the gateway's thread waits only if it writes usage at the same moment (WAL: readers never).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

// Plain JavaScript (an eval'd worker): no TypeScript loader needed, the same in development and in dist/.
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const del = db.prepare('DELETE FROM usage WHERE rowid IN (SELECT rowid FROM usage WHERE time < ? ORDER BY time LIMIT ?)');
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, rows: del.run(m.before, m.limit).changes });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly rows?: number;
  readonly error?: string;
  readonly code?: string;
}

export class SqlitePurgeWorker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (rows: number) => void; reject: (err: Error) => void }>();

  constructor(private readonly path: string) {}

  /** Deletes at most `limit` usage records older than `before` on the worker; resolves with how many. */
  deleteUsage(before: number, limit: number): Promise<number> {
    const worker = this.start();
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, before, limit });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (!w) return;
    // Held while closing: an unref'd worker would let the event loop end with close() still pending.
    w.ref();
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.postMessage({ close: true });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
    await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(source, { eval: true, workerData: { driver, path: this.path } });
    // An idle worker must not keep a stopping gateway alive.
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error === undefined) p.resolve(m.rows ?? 0);
      else p.reject(Object.assign(new Error(m.error), { code: m.code }));
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the SQLite purge worker exited (${code})`)));
    this.worker = w;
    return w;
  }
}
