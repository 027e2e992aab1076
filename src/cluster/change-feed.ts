// Key, user and team changes reach every instance at once: the instance that made one says so on the
// bus, the others reload their key cache from the store. The store's revision polling
// (access.refresh_ms) stays as the fallback for a lost message or a Redis outage.
import type { KeyAccess } from '../access/key-access.js';
import type { Bus } from './bus.js';

const CHANGED = Buffer.from('changed');

export function shareChanges(bus: Bus, access: Pick<KeyAccess, 'onLocalChange' | 'sync'>, warn: (message: string) => void): void {
  const sync = (): void => {
    access.sync().catch((err: unknown) => warn(`relais bus: key reload after a change elsewhere failed: ${String(err)}`));
  };
  access.onLocalChange(() => bus.publish('changes', CHANGED));
  bus.subscribe('changes', sync);
  // Messages sent while the subscription was down are lost: look at the store once it is back.
  bus.onResync(sync);
}
