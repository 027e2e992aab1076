// An instance joins the others of its deployment through Redis: key changes at once, routing
// decisions shared. Without `redis:` in the config an instance is alone and none of this runs.
import type { KeyAccess } from '../access/key-access.js';
import type { Config } from '../config/schema.js';
import type { Router } from '../router/router.js';
import { RedisBus } from './bus.js';
import { shareChanges } from './change-feed.js';
import { RoutingShare } from './routing-share.js';

export interface ClusterMembership {
  readonly routing: RoutingShare | undefined;
  close(): Promise<void>;
}

export function joinCluster(redis: NonNullable<Config['redis']>, access: KeyAccess | undefined, router: Router, warn: (message: string) => void): ClusterMembership {
  const bus = new RedisBus({ url: redis.url, prefix: redis.prefix, warn });
  if (access) shareChanges(bus, access, warn);
  let routing: RoutingShare | undefined;
  if (redis.share_routing) {
    routing = new RoutingShare(bus, router);
    router.shareDecisions(routing);
  }
  return { routing, close: () => bus.close() };
}
