// /v1/me and /v1/me/keys (the caller's own user: any key or console session that belongs to a user) and
// /admin/users/{id}/keys (an admin acting for a user): self-service keys within the team's key policy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOwnKey, listOwnKeys, revokeOwnKey, userAndPolicy } from '../../access/self-service.js';
import { limitsToJson, policyToJson } from '../../access/limits-schema.js';
import { keyToJson, userToJson } from '../../access/settings-schema.js';
import { errors } from '../../protocol/errors.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import { actorOf, type AdminDeps } from './deps.js';
import { readJson } from './request-json.js';

/** The user behind the caller: a key's user now; a single sign-on session's user once sessions carry one. */
function ownUser(ctx: RouteContext): string {
  const id = ctx.principal.userId;
  if (id === undefined) throw errors.forbidden('This key belongs to no user: /v1/me needs a key (or a sign-in) of a user.', 'no_user');
  return id;
}

async function meHandler(res: ServerResponse, deps: AdminDeps, userId: string): Promise<void> {
  const { user, team, policy } = await userAndPolicy(deps.store, userId);
  const now = Date.now();
  const keys = await listOwnKeys(deps.store, userId);
  sendJson(res, 200, {
    data: {
      ...userToJson(user),
      team: team ? { id: team.id, name: team.name, ...limitsToJson(team.limits) } : null,
      key_policy: policyToJson(policy),
      active_keys: keys.filter((k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now)).length,
    },
  });
}

async function keys(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps, userId: string, keyId: string | undefined): Promise<void> {
  const method = req.method ?? 'GET';
  if (keyId === undefined && method === 'GET') {
    const now = Date.now();
    sendJson(res, 200, { object: 'list', data: (await listOwnKeys(deps.store, userId)).map((k) => keyToJson(k, now)) });
    return;
  }
  if (keyId === undefined && method === 'POST') {
    const { row, secret } = await createOwnKey(deps.store, userId, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 201, { ...keyToJson(row), key: secret });
    return;
  }
  if (keyId !== undefined && method === 'DELETE') {
    const row = await revokeOwnKey(deps.store, userId, keyId, actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 200, keyToJson(row));
    return;
  }
  throw errors.methodNotAllowed(method, ctx.path);
}

const ID = '([A-Za-z0-9_.:-]{1,200})';
const mePath = new RegExp(`^/v1/me/keys(?:/${ID})?/?$`);

/** GET /v1/me; GET, POST /v1/me/keys; DELETE /v1/me/keys/{id}. */
export async function ownKeysHandler(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const userId = ownUser(ctx);
  if (ctx.path === '/v1/me' || ctx.path === '/v1/me/') {
    if ((req.method ?? 'GET') !== 'GET') throw errors.methodNotAllowed(req.method ?? '', ctx.path);
    return meHandler(res, deps, userId);
  }
  const m = mePath.exec(ctx.path);
  if (!m) throw errors.notFound(`${req.method ?? 'GET'} ${ctx.path}`);
  return keys(req, res, ctx, deps, userId, m[1]);
}

const adminPath = new RegExp(`^/admin/users/${ID}/keys(?:/${ID})?/?$`);

/** GET, POST /admin/users/{id}/keys; DELETE /admin/users/{id}/keys/{key}: the same operations for any user. */
export async function adminUserKeysHandler(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const m = adminPath.exec(ctx.path);
  if (!m) throw errors.notFound(`${req.method ?? 'GET'} ${ctx.path}`);
  const userId = decodeURIComponent(m[1] as string);
  await userAndPolicy(deps.store, userId); // 404 for an unknown user
  return keys(req, res, ctx, deps, userId, m[2]);
}
