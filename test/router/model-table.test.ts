// A configuration reload rebuilds the model table: a model whose routing did not change keeps its
// scheduler and queue (prefix memory, waiting requests); a changed one gets new ones.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { configSchema } from '../../src/config/schema.js';
import { BackendState } from '../../src/router/backend-state.js';
import { buildModelTable } from '../../src/router/model-table.js';

const backend = (id: string): Backend => ({
  id,
  kind: 'vllm',
  zone: 'local',
  call: () => Promise.reject(new Error('not called')),
  health: () => Promise.resolve(true),
  close: () => Promise.resolve(),
});

it('keeps the scheduler and queue of a model whose routing is unchanged', () => {
  const states = new Map(['a', 'b'].map((id) => [id, new BackendState(backend(id), 3, 1000)]));
  const config = (weights?: Record<string, number>) =>
    configSchema.parse({
      backends: { a: { kind: 'vllm', url: 'http://127.0.0.1:1' }, b: { kind: 'vllm', url: 'http://127.0.0.1:2' } },
      models: [
        { name: 'same', deployments: [{ backend: 'a', model: 'x' }] },
        { name: 'tuned', deployments: [{ backend: 'a', model: 'x' }], ...(weights ? { routing: { scorers: weights } } : {}) },
      ],
    });
  const first = buildModelTable(config().models, states, { staleMs: 1000 });
  // Reloaded: 'same' gains a deployment but keeps its routing; 'tuned' gets new weights.
  const next = config({ prefix: 5, queue: 1 });
  const sameModel = next.models[0];
  assert.ok(sameModel);
  sameModel.deployments.push({ backend: 'b', model: 'x' });
  const second = buildModelTable(next.models, states, { staleMs: 1000 }, first);
  assert.equal(second.get('same')?.scheduler, first.get('same')?.scheduler);
  assert.equal(second.get('same')?.queue, first.get('same')?.queue);
  assert.equal(second.get('same')?.candidates.length, 2);
  assert.notEqual(second.get('tuned')?.scheduler, first.get('tuned')?.scheduler);
});
