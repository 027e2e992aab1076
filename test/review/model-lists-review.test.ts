// Review: model lists. A key sees only the models it may use (/v1/models, /v1/models/{id},
// /api/tags, /api/show, /api/ps); /api/ps answers on a gateway with HTTP backends; /api/show and
// /api/tags report what the engine knows (sizes, family, capabilities) instead of a fixed claim.
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { generateTinyModel } from '../../src/engine/tiny-model.js';
import { sqliteTestStore } from '../store/services.js';
import { tempModelsDir } from '../engine/helpers.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { oneModelYaml, startGateway } from '../support/gateway-process.js';
import { startAdminGateway, type AdminGateway } from './admin-gateway.js';

const names = (list: unknown, field: string): string[] => ((list as Record<string, unknown>[]) ?? []).map((m) => String(m[field])).sort();

describe('review: model lists show only what the key may use', () => {
  let gw: AdminGateway;
  let key: string;
  before(async () => {
    gw = await startAdminGateway(sqliteTestStore, { models: ['alpha', 'beta', 'code-1'] });
    const created = await gw.call('POST', '/admin/keys', { name: 'narrow', models: ['alpha', 'code-*'] });
    assert.equal(created.status, 201, created.text);
    key = String(created.json.key);
  });
  after(async () => {
    await gw.close();
  });

  it('lists the allowed models only, and answers 404 for the others as if they did not exist', async () => {
    assert.deepEqual(names((await gw.call('GET', '/v1/models', undefined, key)).json.data, 'id'), ['alpha', 'code-1']);
    assert.deepEqual(names((await gw.call('GET', '/api/tags', undefined, key)).json.models, 'name'), ['alpha', 'code-1']);
    assert.equal((await gw.call('GET', '/v1/models/alpha', undefined, key)).status, 200);
    const hidden = await gw.call('GET', '/v1/models/beta', undefined, key);
    assert.equal(hidden.status, 404, hidden.text);
    assert.equal((await gw.call('GET', '/v1/models/beta')).status, 200, 'the master key sees it');
    assert.equal((await gw.call('POST', '/api/show', { model: 'beta' }, key)).status, 404);
    assert.equal((await gw.call('POST', '/api/show', { model: 'code-1' }, key)).status, 200);
    const ps = await gw.call('GET', '/api/ps', undefined, key);
    assert.equal(ps.status, 200, ps.text);
    assert.deepEqual(ps.json.models, []);
    assert.deepEqual(names((await gw.call('GET', '/v1/models')).json.data, 'id'), ['alpha', 'beta', 'code-1']);
  });
});

describe('review: /api/ps with HTTP backends', () => {
  it('answers 200 on `relais serve` with a vLLM backend (it answered 500)', async () => {
    const engine = await startFakeEngine();
    const gw = await startGateway(oneModelYaml(engine.url));
    try {
      const r = await fetch(`${gw.url}/api/ps`);
      assert.equal(r.status, 200, await r.clone().text());
      assert.deepEqual(await r.json(), { models: [] });
      const show = (await (await fetch(`${gw.url}/api/show`, { method: 'POST', body: '{"model":"m"}' })).json()) as { capabilities: string[] };
      assert.deepEqual(show.capabilities, ['completion'], 'an HTTP engine claims no more than completion unless configured');
    } finally {
      await gw.stop();
      await engine.close();
    }
  });
});

describe('review: Ollama model details from the embedded engine', () => {
  let gateway: Gateway;
  let base: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempModelsDir());
    // ChatML as written here, whatever template the demo model has.
    const chatml =
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    const toolsTemplate = `{% if tools %}{{ '<|im_start|>system\\n' + (tools | tojson) + '<|im_end|>\\n' }}{% endif %}${chatml}`;
    await writeFile(join(dir, 'plain.gguf'), generateTinyModel({ seed: 2, chatTemplate: chatml }));
    await writeFile(join(dir, 'with-tools.gguf'), generateTinyModel({ seed: 3, chatTemplate: toolsTemplate }));
    const config = configSchema.parse({
      log_level: 'error',
      backends: { local: { kind: 'embedded', models_dir: dir, parallel: 1, queue: 2, context: 512, threads: 1 } },
      models: [
        { name: 'demo', deployments: [{ backend: 'local', model: 'relais-demo' }] },
        { name: 'plain', deployments: [{ backend: 'local', model: 'plain' }] },
        { name: 'tooly', deployments: [{ backend: 'local', model: 'with-tools' }] },
        { name: 'declared', deployments: [{ backend: 'local', model: 'relais-demo' }], capabilities: ['completion', 'vision'] },
      ],
    });
    gateway = await Gateway.create(config, { log: createLogger('error') });
    base = `http://127.0.0.1:${(await gateway.listen('127.0.0.1', 0)).port}`;
  });
  after(async () => {
    await gateway.close(1_000);
    await cleanup();
  });

  const show = async (model: string): Promise<{ capabilities: string[]; details: Record<string, unknown> }> =>
    (await (await fetch(`${base}/api/show`, { method: 'POST', body: JSON.stringify({ model }) })).json()) as { capabilities: string[]; details: Record<string, unknown> };

  it('reports tools only for a template that renders them, and embedding for every model', async () => {
    const plain = await show('plain');
    assert.equal(plain.capabilities.includes('tools'), false, JSON.stringify(plain));
    assert.ok(plain.capabilities.includes('completion') && plain.capabilities.includes('embedding'), JSON.stringify(plain));
    assert.ok((await show('tooly')).capabilities.includes('tools'));
    assert.deepEqual((await show('declared')).capabilities, ['completion', 'vision'], 'the config has the last word');
  });

  it('shows sizes and details in /api/tags, and the loaded model under its public name in /api/ps', async () => {
    const tags = (await (await fetch(`${base}/api/tags`)).json()) as { models: { name: string; size: number; details: { family: string; parameter_size: string; quantization_level: string } }[] };
    const demo = tags.models.find((m) => m.name === 'demo');
    assert.equal(demo?.size, (await stat(join(dir, 'relais-demo.gguf'))).size);
    assert.ok(demo?.details.family && demo.details.parameter_size && demo.details.quantization_level, JSON.stringify(demo));
    const gen = await fetch(`${base}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'demo', prompt: 'hi', stream: false, options: { num_predict: 2 } }) });
    assert.equal(gen.status, 200, await gen.text());
    const ps = (await (await fetch(`${base}/api/ps`)).json()) as { models: { name: string; size: number }[] };
    assert.deepEqual(ps.models.map((m) => m.name).sort(), ['declared', 'demo'], 'both public names of the loaded file');
    assert.ok((ps.models[0]?.size ?? 0) > 0);
  });
});
