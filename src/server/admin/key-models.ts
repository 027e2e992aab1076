// GET /v1/key/models: the models the caller's key may use, with their prices (credits per 1M tokens),
// so a client can show the cost of an answer (the console's playground).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';

export async function keyModelsHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const keyId = ctx.principal.keyId;
  const cached = ctx.principal.kind === 'key' && keyId !== undefined ? deps.access.cache.getById(keyId) : undefined;
  const models = (deps.live?.router.list() ?? []).filter((m) => !cached || cached.allows(m.name));
  sendJson(res, 200, {
    object: 'list',
    data: models.map((m) => ({ id: m.name, description: m.description ?? null, price: m.price ?? null, fallbacks: m.fallbacks })),
  });
}
