// `relais plan --from-usage`: reads the gateway's usage records from its store (as `relais usage` does) and turns
// them into the load to plan for.
import { MODELS, type ModelArch } from '../catalog/models.js';
import { timeRange } from '../server/admin/time-range.js';
import type { Store } from '../store/types.js';
import { profileStore } from './usage-source.js';
import type { LoadProfile, ModelShare } from './usage-profile.js';

export interface UsageSourceOptions {
  /** YYYY-MM-DD (to inclusive), ISO date-time or epoch ms; default the last 30 days. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** IANA zone the hours of the day are counted in (default: this machine's). */
  readonly timeZone?: string | undefined;
  /** Model name as the records have it (default: the most requested). */
  readonly usageModel?: string | undefined;
}

export interface UsageLoad {
  readonly profile: LoadProfile;
  readonly models: readonly ModelShare[];
}

export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`--timezone must be an IANA time zone such as Europe/Paris or UTC, got '${zone}'`);
  }
  return zone;
}

export async function readUsageLoad(store: Store, o: UsageSourceOptions, now = Date.now()): Promise<UsageLoad> {
  const query = new URLSearchParams();
  if (o.from) query.set('from', o.from);
  if (o.to) query.set('to', o.to);
  const range = timeRange(query, now);
  // Hours still to come today are not idle hours.
  const to = Math.min(range.to, now);
  if (range.from >= to) throw new Error('--from must be before --to (and before now)');
  const zone = checkTimeZone(o.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const profiler = await profileStore(store, range.from, to, zone);
  const models = profiler.models();
  if (models.length === 0) throw new Error(`no usage records between ${new Date(range.from).toISOString()} and ${new Date(to).toISOString()}`);
  const profile = profiler.profile(o.usageModel);
  if (!profile) throw new Error(`no usage records for model '${o.usageModel ?? ''}'; the records name ${models.map((m) => m.model).join(', ')}`);
  return { profile, models };
}

/** The catalog model a gateway model name stands for: its id, ignoring case, an org prefix and -instruct/-chat/-it. */
export function catalogModelFor(name: string): ModelArch | undefined {
  const bare = name.toLowerCase().replace(/^.*\//, '').replace(/:/g, '-').replace(/-(instruct|chat|it)$/, '');
  return MODELS.find((m) => m.id === bare);
}
