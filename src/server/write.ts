// Writing to a client response with backpressure: wait for drain (or the client leaving).
import type { ServerResponse } from 'node:http';

export function write(res: ServerResponse, chunk: Buffer | string): Promise<void> | undefined {
  if (res.write(chunk) || res.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
