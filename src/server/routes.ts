// Extra HTTP routes mounted by optional parts (admin API, key info, embedded engine's /api/ps).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../access/principal.js';
import type { Router } from '../router/router.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';

export interface RouteContext {
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly arrivedAt: number;
  /** Session affinity hint (x-session-id), when present. */
  readonly sessionId?: string | undefined;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Authenticated caller (routes marked `auth: false` get the anonymous principal). */
  readonly principal: Principal;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => Promise<void>;

export interface ExtraRoute {
  readonly method: string;
  /** Exact path, or a prefix ending in '/' (e.g. '/admin/'). */
  readonly path: string;
  readonly handler: RouteHandler;
  /** The error shape: OpenAI (default), Ollama or Anthropic. */
  readonly protocol?: 'openai' | 'ollama' | 'anthropic';
  /** Require admin rights (default false). */
  readonly admin?: boolean;
  /** Require authentication at all (default true). */
  readonly auth?: boolean;
}

/** What routes built with the gateway may read: the router's live state and the metrics. */
export interface LiveParts {
  readonly router: Router;
  readonly metrics: GatewayMetrics;
  /** Engine load older than this is stale (config scrape.stale_ms). */
  readonly staleMs: number;
}
