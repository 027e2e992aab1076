// /admin/keys: create (the secret is shown once), list, show, update, revoke.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createKey, notFound, revokeKey, updateKey } from '../../access/identity-ops.js';
import { keyToJson } from '../../access/settings-schema.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import { actorOf, type AdminDeps } from './deps.js';
import { readJson } from './request-json.js';

export async function createKeyHandler(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const { row, secret } = await createKey(deps.store, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
  await deps.access.refresh();
  sendJson(res, 201, { ...keyToJson(row), key: secret });
}

export async function listKeysHandler(_req: IncomingMessage, res: ServerResponse, _ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const now = Date.now();
  sendJson(res, 200, { object: 'list', data: (await deps.store.listKeys()).map((k) => keyToJson(k, now)) });
}

export async function getKeyHandler(_req: IncomingMessage, res: ServerResponse, _ctx: RouteContext, deps: AdminDeps, id: string): Promise<void> {
  const row = await deps.store.getKey(id);
  if (!row) throw notFound('key', id);
  sendJson(res, 200, keyToJson(row));
}

export async function updateKeyHandler(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps, id: string): Promise<void> {
  const row = await updateKey(deps.store, id, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
  await deps.access.refresh();
  sendJson(res, 200, keyToJson(row));
}

export async function revokeKeyHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps, id: string): Promise<void> {
  const row = await revokeKey(deps.store, id, actorOf(ctx.principal));
  // Effective on this instance before the answer; others see it within access.refresh_ms.
  await deps.access.refresh();
  sendJson(res, 200, keyToJson(row));
}
