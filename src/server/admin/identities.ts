// /admin/users and /admin/teams: create, list, show, update, delete.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createTeam, createUser, deleteTeam, deleteUser, notFound, updateTeam, updateUser,
} from '../../access/identity-ops.js';
import { teamToJson, userToJson } from '../../access/settings-schema.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import { actorOf, type AdminDeps } from './deps.js';
import { readJson } from './request-json.js';

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps, id: string) => Promise<void>;

export const users: Record<'create' | 'list' | 'get' | 'update' | 'delete', Handler> = {
  async create(req, res, ctx, deps) {
    const u = await createUser(deps.store, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 201, userToJson(u));
  },
  async list(_req, res, _ctx, deps) {
    sendJson(res, 200, { object: 'list', data: (await deps.store.listUsers()).map(userToJson) });
  },
  async get(_req, res, _ctx, deps, id) {
    const u = await deps.store.getUser(id);
    if (!u) throw notFound('user', id);
    sendJson(res, 200, userToJson(u));
  },
  async update(req, res, ctx, deps, id) {
    const u = await updateUser(deps.store, id, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 200, userToJson(u));
  },
  async delete(_req, res, ctx, deps, id) {
    await deleteUser(deps.store, id, actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 200, { id, deleted: true });
  },
};

export const teams: Record<'create' | 'list' | 'get' | 'update' | 'delete', Handler> = {
  async create(req, res, ctx, deps) {
    const t = await createTeam(deps.store, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 201, teamToJson(t));
  },
  async list(_req, res, _ctx, deps) {
    sendJson(res, 200, { object: 'list', data: (await deps.store.listTeams()).map(teamToJson) });
  },
  async get(_req, res, _ctx, deps, id) {
    const t = await deps.store.getTeam(id);
    if (!t) throw notFound('team', id);
    sendJson(res, 200, teamToJson(t));
  },
  async update(req, res, ctx, deps, id) {
    const t = await updateTeam(deps.store, id, await readJson(req, deps.maxBodyBytes), actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 200, teamToJson(t));
  },
  async delete(_req, res, ctx, deps, id) {
    await deleteTeam(deps.store, id, actorOf(ctx.principal));
    await deps.access.refresh();
    sendJson(res, 200, { id, deleted: true });
  },
};
