// Session cache and request checks in-process: expiry, first-sight loading, miss memory, origin rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSameOrigin, checkSessionRequest } from '../../src/identity/same-origin.js';
import { SessionCache } from '../../src/identity/session-cache.js';
import { csrfTokenOf, sessionIdOf, sessionTokenFrom } from '../../src/identity/session-token.js';
import { GatewayError } from '../../src/protocol/errors.js';
import { sqliteTestStore } from '../store/services.js';

test('sessions expire, are fetched on first sight from another instance, and misses are remembered', async () => {
  const { store, cleanup } = await sqliteTestStore.open();
  let now = 1_000_000;
  const a = await SessionCache.create({ store, refreshMs: 60_000, ttlMs: 10_000, now: () => now });
  const b = await SessionCache.create({ store, refreshMs: 60_000, ttlMs: 10_000, now: () => now });
  try {
    const { token, row } = await a.open({ kind: 'key', id: 'key_1' }, 'key');
    assert.equal(row.id, sessionIdOf(token));
    assert.equal(a.get(row.id)?.subjectId, 'key_1');
    // B has not refreshed: it must load the session before use, and then has it.
    assert.equal(b.get(row.id), undefined);
    assert.equal(b.needsLoad(row.id), true);
    await b.load(row.id);
    assert.equal(b.get(row.id)?.subjectId, 'key_1');
    // An unknown id is looked up once, then remembered as missing for a second.
    assert.equal(b.needsLoad('nope'), true);
    await b.load('nope');
    assert.equal(b.needsLoad('nope'), false);
    now += 1_001;
    assert.equal(b.needsLoad('nope'), true);
    // Sign-out on A reaches B at its next refresh.
    await a.close(row.id);
    assert.equal(a.get(row.id), undefined);
    await b.refresh();
    assert.equal(b.get(row.id), undefined);
    // Expiry.
    const second = await a.open({ kind: 'master', id: 'master' }, 'key');
    now += 10_000;
    assert.equal(a.get(second.row.id), undefined);
  } finally {
    a.stop();
    b.stop();
    await cleanup();
  }
});

test('cookies, origins and CSRF tokens are checked strictly', () => {
  const token = 'A'.repeat(43);
  assert.equal(sessionTokenFrom(`a=1; relais_session=${token}; b=2`), token);
  assert.equal(sessionTokenFrom('relais_session=short'), undefined);
  assert.equal(sessionTokenFrom(undefined), undefined);
  const refused = (f: () => void): void => assert.throws(f, (e: unknown) => e instanceof GatewayError && e.status === 403);
  checkSameOrigin({ fetchSite: 'same-origin', origin: 'http://gw:8080', host: 'gw:8080' });
  checkSameOrigin({ host: 'gw:8080' });
  refused(() => checkSameOrigin({ fetchSite: 'cross-site', host: 'gw:8080' }));
  refused(() => checkSameOrigin({ origin: 'http://gw:8081', host: 'gw:8080' }));
  refused(() => checkSameOrigin({ origin: 'null', host: 'gw:8080' }));
  const base = { cookie: '', host: 'gw', origin: 'http://gw' };
  checkSessionRequest({ ...base, method: 'GET' }, token);
  checkSessionRequest({ ...base, method: 'POST', csrf: csrfTokenOf(token) }, token);
  refused(() => checkSessionRequest({ ...base, method: 'POST' }, token));
  refused(() => checkSessionRequest({ ...base, method: 'DELETE', csrf: csrfTokenOf('B'.repeat(43)) }, token));
});
