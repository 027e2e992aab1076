// The stored-responses contract, checked on every ResponseStore (SQLite, PostgreSQL, memory).
import assert from 'node:assert/strict';
import type { ResponseStore, StoredResponseRow } from '../../src/store/types.js';

function row(id: string, owner: string, expiresAt: number): StoredResponseRow {
  return {
    id, owner, model: 'coder', createdAt: 10, expiresAt,
    // Text as PostgreSQL must take it: JSON keeps U+0000 escaped.
    response: JSON.stringify({ id, object: 'response', output_text: 'nul \u0000 and ü' }),
    inputItems: JSON.stringify([{ id: 'in_1', type: 'message', role: 'user', content: 'hi' }]),
    context: JSON.stringify([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }]),
  };
}

export async function checkResponseStore(store: ResponseStore): Promise<void> {
  await store.putResponse(row('resp_a', 'k1', 1_000));
  await store.putResponse(row('resp_b', 'k1', 2_000));
  await store.putResponse(row('resp_c', 'k2', 2_000));
  await assert.rejects(store.putResponse(row('resp_a', 'k1', 1_000)), 'ids are unique');
  const got = await store.getResponse('resp_a', 'k1', 500);
  assert.deepEqual(got, row('resp_a', 'k1', 1_000));
  assert.equal(await store.getResponse('resp_a', 'k2', 500), undefined, 'another key does not see it');
  assert.equal(await store.getResponse('resp_a', 'k1', 1_500), undefined, 'expired');
  assert.equal(await store.deleteResponse('resp_c', 'k1'), false, 'another key cannot delete it');
  assert.equal(await store.deleteResponse('resp_c', 'k2'), true);
  assert.equal(await store.getResponse('resp_c', 'k2', 0), undefined);
  assert.equal(await store.purgeResponses(1_500), 1);
  assert.equal((await store.getResponse('resp_b', 'k1', 1_500))?.id, 'resp_b');
  assert.equal(await store.purgeResponses(3_000), 1);
}
