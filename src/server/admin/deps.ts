// What the admin API needs: the store, the access stage (to apply changes at once) and the usage writer.
import type { KeyAccess } from '../../access/key-access.js';
import { principalId, type Principal } from '../../access/principal.js';
import type { Store } from '../../store/types.js';
import type { UsageSink } from '../../usage/record.js';
import type { UsageRetention } from '../../usage/retention.js';
import type { LiveParts } from '../routes.js';

export interface AdminDeps {
  readonly store: Store;
  readonly access: KeyAccess;
  /** Flushed before usage queries so the answer includes requests just finished. */
  readonly usage?: UsageSink | undefined;
  readonly maxBodyBytes: number;
  /** The retention purge (POST /admin/usage/purge runs it now). */
  readonly retention?: UsageRetention | undefined;
  /** The router and metrics (live view, model lists); absent when the routes are built without a gateway. */
  readonly live?: LiveParts | undefined;
}

/** Who did it, for the audit log. */
export function actorOf(principal: Principal): string {
  return principalId(principal);
}
