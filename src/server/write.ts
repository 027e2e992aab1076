// Writing to a client response with backpressure: wait for drain, the client leaving, or the request
// being aborted. A client that keeps its socket open but stops reading is cut after `stallMs`, so it
// cannot pin an engine slot, an in-flight count and its usage record forever.
import type { ServerResponse } from 'node:http';

export function write(res: ServerResponse, chunk: Buffer | string, signal?: AbortSignal, stallMs = 120_000): Promise<void> | undefined {
  if (res.write(chunk) || res.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, stallMs);
    res.on('drain', done);
    res.on('close', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
