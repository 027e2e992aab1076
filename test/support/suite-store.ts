// Opens one of the test stores for a whole suite: before its tests run, closed (and its schema or
// directory removed) after. Call inside `describe`; `set` receives the open store.
import { before, after } from 'node:test';
import type { Store } from '../../src/store/types.js';
import type { TestStore } from '../store/services.js';

export function useSuiteStore(kind: TestStore, set: (store: Store) => void): void {
  let cleanup: (() => Promise<void>) | undefined;
  before(async () => {
    const opened = await kind.open();
    cleanup = opened.cleanup;
    set(opened.store);
  });
  after(async () => {
    await cleanup?.();
  });
}
