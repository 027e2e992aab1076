// Builds the access stage from config: key store cache, Redis or in-memory limiter, prices.
import type { Config } from '../config/schema.js';
import type { Store } from '../store/types.js';
import { KeyAccess } from './key-access.js';
import type { Limiter, LimiterOptions } from './limiter.js';
import { MemoryLimiter } from './memory-limiter.js';
import { createPricing } from './pricing.js';
import { RedisLimiter } from './redis-limiter.js';
import { SpendSeeds } from './spend-seed.js';

export interface CreateAccessOptions {
  readonly config: Pick<Config, 'master_key' | 'models' | 'redis'> & { readonly access?: Partial<Config['access']> | undefined };
  readonly store: Store;
  /** Overrides config.redis (tests); null forces the in-memory limiter. */
  readonly redis?: { readonly url: string; readonly prefix?: string | undefined; readonly fail_open?: boolean | undefined; readonly lease_ms?: number | undefined } | null | undefined;
  readonly limiter?: LimiterOptions | undefined;
  /** A limiter made elsewhere (a cluster worker's, backed by the primary); used when Redis is not configured. */
  readonly sharedLimiter?: Limiter | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

export async function createAccess(options: CreateAccessOptions): Promise<KeyAccess> {
  const { config, store } = options;
  const redis = options.redis === undefined ? config.redis : options.redis;
  const seeds = new SpendSeeds(store);
  const limiter: Limiter = redis
    ? new RedisLimiter({ url: redis.url, prefix: redis.prefix, leaseMs: redis.lease_ms, spendSeed: (key, start) => seeds.spend(key, start), warn: options.warn, ...options.limiter })
    : (options.sharedLimiter ?? new MemoryLimiter(options.limiter));
  try {
    return await KeyAccess.create({
      store,
      limiter,
      pricing: createPricing(config.models),
      masterKey: config.master_key,
      openness: config.access?.open,
      refreshMs: config.access?.refresh_ms,
      failOpen: redis?.fail_open ?? false,
      defaultRetentionDays: config.access?.log_retention_days,
      warn: options.warn,
    });
  } catch (err) {
    await limiter.close();
    throw err;
  }
}
