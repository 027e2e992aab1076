// Stored responses in memory (gateways without a store): the store's contract, and a bounded size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryResponseStore } from '../../src/store/memory-responses.js';
import { checkResponseStore } from './responses-contract.js';

describe('memory response store', () => {
  it('keeps the stored-responses contract', async () => {
    await checkResponseStore(new MemoryResponseStore());
  });

  it('drops the oldest responses beyond its size', async () => {
    const store = new MemoryResponseStore(2);
    const put = (id: string): Promise<void> => store.putResponse({ id, owner: 'k', model: 'm', createdAt: 0, expiresAt: 10, response: '{}', inputItems: '[]', context: '[]' });
    await put('a');
    await put('b');
    await put('c');
    assert.equal(await store.getResponse('a', 'k', 0), undefined);
    assert.equal((await store.getResponse('c', 'k', 0))?.id, 'c');
  });
});
