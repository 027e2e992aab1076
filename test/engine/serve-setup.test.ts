import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.js';
import { ollamaPsJson } from '../../src/engine/ollama-ps.js';
import { DEMO_MODEL_DESCRIPTION, embeddedServeSetup } from '../../src/engine/serve-setup.js';

describe('zero-config serve setup', () => {
  it('with no models starts empty and says how to add one', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'relais-zc-')), 'models');
    try {
      const s = await embeddedServeSetup({ demo: false, modelsDir: dir });
      assert.deepEqual(s.models, []);
      assert.match(s.message, /no models in .*models: \/v1\/models is empty\. Add one by copying a \.gguf file there, with 'relais models pull hf:OWNER\/REPO\/FILE\.gguf', or start with 'relais serve --demo'/);
      const cfg = configSchema.parse({ backends: s.backends, models: s.models });
      assert.equal(cfg.backends.local?.kind, 'embedded');
    } finally {
      await rm(join(dir, '..'), { recursive: true, force: true });
    }
  });

  it('--demo generates relais-demo and describes it as random', async () => {
    const root = await mkdtemp(join(tmpdir(), 'relais-zc-'));
    try {
      const s = await embeddedServeSetup({ demo: true, env: { RELAIS_MODELS_DIR: join(root, 'm') } });
      assert.equal(s.modelsDir, join(root, 'm'));
      assert.ok((await stat(join(root, 'm', 'relais-demo.gguf'))).size > 100_000);
      assert.deepEqual(s.models, [{ name: 'relais-demo', deployments: [{ backend: 'local', model: 'relais-demo' }], fallbacks: [], description: DEMO_MODEL_DESCRIPTION }]);
      assert.match(s.message, /relais-demo has random weights/);
      configSchema.parse({ backends: s.backends, models: s.models });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('/api/ps body', () => {
  it("has Ollama's shape", () => {
    const row = { name: 'm', path: '/x/m.gguf', sizeBytes: 100, sizeVramBytes: 0, family: 'llama', parameterSize: '1.0B', quantization: 'Q4_K_M', contextLength: 4096, parallel: 4, running: 0, waiting: 0 };
    const now = Date.parse('2026-01-01T00:00:00Z');
    const body = ollamaPsJson(
      [
        { ...row, expiresAt: '2026-01-01T00:05:00.000Z', keepAliveMs: 300_000 },
        { ...row, name: 'busy', expiresAt: undefined, keepAliveMs: 60_000 },
        { ...row, name: 'kept', expiresAt: undefined, keepAliveMs: undefined },
      ],
      now,
    );
    const models = body.models as Array<Record<string, unknown>>;
    assert.deepEqual(models[0], {
      name: 'm',
      model: 'm',
      size: 100,
      digest: '',
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '1.0B', quantization_level: 'Q4_K_M' },
      expires_at: '2026-01-01T00:05:00.000Z',
      size_vram: 0,
      context_length: 4096,
    });
    assert.equal(models[1]?.expires_at, '2026-01-01T00:01:00.000Z');
    assert.equal(models[2]?.expires_at, '2318-01-01T00:00:00.000Z');
  });
});
