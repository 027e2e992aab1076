// Where `relais users` and `relais teams` act: the store directly, or a gateway's admin API (--url).
// Both give the admin API's JSON.
import {
  createTeam, createUser, deleteTeam, deleteUser, notFound, updateTeam, updateUser,
} from '../access/identity-ops.js';
import { createOwnKey, listOwnKeys, revokeOwnKey, userAndPolicy } from '../access/self-service.js';
import { keyToJson, teamToJson, userToJson } from '../access/settings-schema.js';
import { fromGateway, httpCaller, openConfiguredStore, type Json, type TargetOptions } from './admin-target.js';

export type IdentityKind = 'users' | 'teams';

export interface IdentityTarget {
  create(kind: IdentityKind, body: Json): Promise<Json>;
  list(kind: IdentityKind): Promise<Json[]>;
  get(kind: IdentityKind, id: string): Promise<Json>;
  update(kind: IdentityKind, id: string, body: Json): Promise<Json>;
  remove(kind: IdentityKind, id: string): Promise<Json>;
  /** A user's keys; create applies the team's key policy. */
  listUserKeys(userId: string): Promise<Json[]>;
  createUserKey(userId: string, body: Json): Promise<Json>;
  revokeUserKey(userId: string, keyId: string): Promise<Json>;
  close(): Promise<void>;
}

async function storeTarget(configFile: string | undefined): Promise<IdentityTarget> {
  const store = await openConfiguredStore(configFile);
  const actor = 'cli';
  const guard = <T>(p: Promise<T>): Promise<T> => p.catch(fromGateway);
  return {
    create: async (kind, body) => (kind === 'users' ? userToJson(await guard(createUser(store, body, actor))) : teamToJson(await guard(createTeam(store, body, actor)))),
    list: async (kind) => (kind === 'users' ? (await store.listUsers()).map(userToJson) : (await store.listTeams()).map(teamToJson)),
    get: async (kind, id) => {
      const row = kind === 'users' ? await store.getUser(id) : await store.getTeam(id);
      if (!row) fromGateway(notFound(kind === 'users' ? 'user' : 'team', id));
      return kind === 'users' ? userToJson(row as Parameters<typeof userToJson>[0]) : teamToJson(row as Parameters<typeof teamToJson>[0]);
    },
    update: async (kind, id, body) =>
      kind === 'users' ? userToJson(await guard(updateUser(store, id, body, actor))) : teamToJson(await guard(updateTeam(store, id, body, actor))),
    remove: async (kind, id) => {
      await guard(kind === 'users' ? deleteUser(store, id, actor) : deleteTeam(store, id, actor));
      return { id, deleted: true };
    },
    listUserKeys: async (userId) => {
      await guard(userAndPolicy(store, userId));
      return (await listOwnKeys(store, userId)).map((k) => keyToJson(k));
    },
    createUserKey: async (userId, body) => {
      const { row, secret } = await guard(createOwnKey(store, userId, body, actor));
      return { ...keyToJson(row), key: secret };
    },
    revokeUserKey: async (userId, keyId) => keyToJson(await guard(revokeOwnKey(store, userId, keyId, actor))),
    close: () => store.close(),
  };
}

function httpTarget(url: string, adminKey: string | undefined): IdentityTarget {
  const call = httpCaller(url, adminKey);
  const e = encodeURIComponent;
  return {
    create: async (kind, body) => (await call('POST', `/admin/${kind}`, body)).json,
    list: async (kind) => (await call('GET', `/admin/${kind}`)).json.data as Json[],
    get: async (kind, id) => (await call('GET', `/admin/${kind}/${e(id)}`)).json,
    update: async (kind, id, body) => (await call('PATCH', `/admin/${kind}/${e(id)}`, body)).json,
    remove: async (kind, id) => (await call('DELETE', `/admin/${kind}/${e(id)}`)).json,
    listUserKeys: async (userId) => (await call('GET', `/admin/users/${e(userId)}/keys`)).json.data as Json[],
    createUserKey: async (userId, body) => (await call('POST', `/admin/users/${e(userId)}/keys`, body)).json,
    revokeUserKey: async (userId, keyId) => (await call('DELETE', `/admin/users/${e(userId)}/keys/${e(keyId)}`)).json,
    close: () => Promise.resolve(),
  };
}

export function openIdentityTarget(o: TargetOptions): Promise<IdentityTarget> {
  if (o.url) return Promise.resolve(httpTarget(o.url, o.adminKey ?? process.env.RELAIS_ADMIN_KEY));
  return storeTarget(o.config);
}
