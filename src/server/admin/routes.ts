// The admin route table, mounted by the gateway under /admin/ (admin keys only), plus GET /v1/key (any key).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { isUnavailable } from '../../store/store-errors.js';
import type { ExtraRoute, RouteContext, RouteHandler } from '../routes.js';
import type { AdminDeps } from './deps.js';
import { teams, users } from './identities.js';
import { createKeyHandler, getKeyHandler, listKeysHandler, revokeKeyHandler, updateKeyHandler } from './keys.js';
import { ownKeyHandler } from './own-key.js';
import { alertsHandler } from './alerts.js';
import { adminUserKeysHandler, ownKeysHandler } from './own-keys.js';
import { auditHandler, usageHandler } from './usage.js';
import { usageExportHandler } from './usage-export.js';
import { usagePurgeHandler } from './usage-purge.js';
import { activityHandler, ownActivityHandler } from './activity.js';
import { keyModelsHandler } from './key-models.js';
import { logsHandler } from './logs.js';
import { planCatalogHandler, planHandler } from './plan.js';
import { routerStateHandler } from './router-state.js';
import { spendHandler } from './spend.js';

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps, id: string) => Promise<void>;

interface AdminRoute {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, Handler>>;
}

const ID = '([A-Za-z0-9_.:-]{1,200})';

export const adminRouteTable: readonly AdminRoute[] = [
  { pattern: /^\/admin\/keys\/?$/, methods: { POST: createKeyHandler, GET: listKeysHandler } },
  { pattern: new RegExp(`^/admin/keys/${ID}$`), methods: { GET: getKeyHandler, PATCH: updateKeyHandler, DELETE: revokeKeyHandler } },
  { pattern: /^\/admin\/users\/?$/, methods: { POST: users.create, GET: users.list } },
  { pattern: new RegExp(`^/admin/users/${ID}$`), methods: { GET: users.get, PATCH: users.update, DELETE: users.delete } },
  { pattern: new RegExp(`^/admin/users/${ID}/keys(?:/${ID})?/?$`), methods: { GET: adminUserKeysHandler, POST: adminUserKeysHandler, DELETE: adminUserKeysHandler } },
  { pattern: /^\/admin\/teams\/?$/, methods: { POST: teams.create, GET: teams.list } },
  { pattern: new RegExp(`^/admin/teams/${ID}$`), methods: { GET: teams.get, PATCH: teams.update, DELETE: teams.delete } },
  { pattern: /^\/admin\/usage\/?$/, methods: { GET: usageHandler } },
  { pattern: /^\/admin\/usage\/export\/?$/, methods: { GET: usageExportHandler } },
  { pattern: /^\/admin\/usage\/purge\/?$/, methods: { POST: usagePurgeHandler } },
  { pattern: /^\/admin\/audit\/?$/, methods: { GET: auditHandler } },
  { pattern: /^\/admin\/alerts\/?$/, methods: { GET: alertsHandler } },
  // Added for the console (documented in the README like the rest).
  { pattern: /^\/admin\/activity\/?$/, methods: { GET: activityHandler } },
  { pattern: /^\/admin\/spend\/?$/, methods: { GET: spendHandler } },
  { pattern: /^\/admin\/router\/?$/, methods: { GET: routerStateHandler } },
  { pattern: /^\/admin\/logs\/?$/, methods: { GET: logsHandler } },
  { pattern: /^\/admin\/plan\/?$/, methods: { GET: planCatalogHandler, POST: planHandler } },
];

/** Dispatches one /admin/ request through the table: 404 for an unknown path, 405 for a wrong method. */
export function adminHandler(deps: AdminDeps) {
  return async function admin(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
    const method = req.method ?? 'GET';
    for (const route of adminRouteTable) {
      const m = route.pattern.exec(ctx.path);
      if (!m) continue;
      const handler = route.methods[method];
      if (!handler) throw errors.methodNotAllowed(method, ctx.path);
      return handler(req, res, ctx, deps, decodeURIComponent(m[1] ?? ''));
    }
    throw errors.notFound(`${method} ${ctx.path}`);
  };
}

/** A database out of reach is a 503 the client may retry, not a gateway bug. */
function storeErrorsAs503(handler: RouteHandler): RouteHandler {
  return async (req, res, ctx) => {
    try {
      await handler(req, res, ctx);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      // The cause goes to the gateway's error log, not to the client.
      const unavailable = errors.unavailable('The database is unavailable; try again shortly.', 5);
      unavailable.cause = err;
      throw unavailable;
    }
  };
}

/** Routes for GatewayParts.extraRoutes. */
export function adminRoutes(deps: AdminDeps): ExtraRoute[] {
  return [
    { method: '*', path: '/admin/', admin: true, handler: storeErrorsAs503(adminHandler(deps)) },
    { method: 'GET', path: '/v1/key', handler: storeErrorsAs503((req, res, ctx) => ownKeyHandler(req, res, ctx, deps)) },
    { method: 'GET', path: '/v1/key/activity', handler: storeErrorsAs503((req, res, ctx) => ownActivityHandler(req, res, ctx, deps)) },
    { method: 'GET', path: '/v1/key/models', handler: (req, res, ctx) => keyModelsHandler(req, res, ctx, deps) },
    { method: 'GET', path: '/v1/me', handler: storeErrorsAs503((req, res, ctx) => ownKeysHandler(req, res, ctx, deps)) },
    { method: '*', path: '/v1/me/', handler: storeErrorsAs503((req, res, ctx) => ownKeysHandler(req, res, ctx, deps)) },
  ];
}
