// One llama.cpp runtime per process, loaded on first use (the native binary takes ~100 ms and
// memory, and commands like `relais models list` never need it).
import type { Llama } from 'node-llama-cpp';

const runtimes = new Map<string, Promise<Llama>>();

export function llamaRuntime(gpu: boolean): Promise<Llama> {
  const key = gpu ? 'gpu' : 'cpu';
  let p = runtimes.get(key);
  if (!p) {
    p = import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
      getLlama({ gpu: gpu ? 'auto' : false, logLevel: LlamaLogLevel.error, build: 'never' }),
    );
    p.catch(() => runtimes.delete(key));
    runtimes.set(key, p);
  }
  return p;
}
