// GET /admin/router: the router's own state, live — per model its deployments, fallbacks and admission
// queue; per backend health, breaker, in-flight, scraped engine load and rates over the last seconds.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import type { BackendState } from '../../router/backend-state.js';
import { LiveWindow, type BackendRates } from '../../router/live-window.js';
import { sendJson } from '../body.js';
import type { LiveParts, RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';

const windows = new WeakMap<LiveParts, LiveWindow>();
const round = (x: number | null | undefined, digits = 3): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function backendJson(s: BackendState, rates: BackendRates | null | undefined, now: number, staleMs: number): Record<string, unknown> {
  const load = s.load;
  const fresh = load !== undefined && now - load.scrapedAt <= staleMs;
  return {
    id: s.id,
    kind: s.backend.kind,
    zone: s.backend.zone,
    hosted: s.traits.hosted,
    healthy: s.healthy,
    breaker: s.breaker.state,
    usable: s.usable(now),
    in_flight: s.inFlight,
    max_concurrency: s.traits.maxConcurrency ?? null,
    engine: load === undefined
      ? null
      : { running: load.running ?? null, waiting: load.waiting ?? null, kv_usage: round(load.kvUsage), fresh, age_ms: Math.round(now - load.scrapedAt) },
    ttft_ewma_ms: round(s.ttftMs, 1),
    window_s: rates?.windowS ?? null,
    ttft_p50_ms: round(rates?.ttftP50Ms, 1),
    ttft_p90_ms: round(rates?.ttftP90Ms, 1),
    tokens_per_s: round(rates?.tokensPerS, 1),
    requests_per_s: round(rates?.requestsPerS, 2),
    errors: rates?.errors ?? null,
    prefix_cache_hit_rate: round(rates?.prefixHitRate),
  };
}

export async function routerStateHandler(_req: IncomingMessage, res: ServerResponse, _ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const live = deps.live;
  if (!live) throw errors.notFound('GET /admin/router');
  let window = windows.get(live);
  if (!window) {
    window = new LiveWindow(live.metrics);
    windows.set(live, window);
  }
  const models = live.router.list();
  const states = [...new Map(models.flatMap((m) => m.deployments.map((d) => [d.state.id, d.state] as const))).values()];
  const rates = window.rates(states);
  const now = performance.now();
  sendJson(res, 200, {
    object: 'router',
    time: new Date().toISOString(),
    models: models.map((m) => ({
      name: m.name,
      deployments: m.deployments.map((d) => ({ backend: d.state.id, model: d.upstreamModel, context: d.context ?? null })),
      fallbacks: m.fallbacks,
      price: m.price ?? null,
      queue: { waiting: m.queue.length },
    })),
    backends: states.map((s) => backendJson(s, rates.get(s.id), now, live.staleMs)),
  }, { 'cache-control': 'no-store' });
}
