// Config validation: errors name the field, the line and the reason; ${VAR} comes from the environment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, configFromEnv, parseConfig } from '../../src/config/load.js';
import { backendZone } from '../../src/config/schema.js';
import { runCli, writeConfig } from '../support/gateway-process.js';

const valid = `listen: 127.0.0.1:8080
data_dir: ./.relais
master_key: \${RELAIS_MASTER_KEY}
backends:
  gpu1:    { kind: vllm, url: http://10.0.0.5:8000, zone: local }
  gpu2:    { kind: vllm, url: http://10.0.0.6:8000, zone: local }
  mistral: { kind: openai, url: https://api.mistral.ai, api_key: \${MISTRAL_API_KEY}, zone: eu }
models:
  - name: llama-3.1-8b
    deployments:
      - { backend: gpu1, model: meta-llama/Llama-3.1-8B-Instruct }
      - { backend: gpu2, model: meta-llama/Llama-3.1-8B-Instruct }
    fallbacks: [mistral-small]
  - name: mistral-small
    deployments: [ { backend: mistral, model: mistral-small-latest } ]
`;

function problems(text: string): ConfigError['problems'] {
  try {
    parseConfig(text, 'relais.yaml', {});
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  it('accepts the documented example and interpolates the environment', () => {
    const cfg = parseConfig(valid, 'relais.yaml', { MISTRAL_API_KEY: 'sk-m' });
    assert.equal(cfg.master_key, undefined);
    const mistral = cfg.backends.mistral;
    assert.equal(mistral?.kind === 'openai' ? mistral.api_key : undefined, 'sk-m');
    assert.deepEqual(cfg.models[0]?.fallbacks, ['mistral-small']);
    const withKey = parseConfig(valid, 'relais.yaml', { RELAIS_MASTER_KEY: 'sk-x' });
    assert.equal(withKey.master_key, 'sk-x');
  });

  it('names field, line and reason for an unknown field', () => {
    const [p] = problems(valid.replace('zone: eu }', 'zone: eu, colour: red }'));
    assert.equal(p?.field, 'backends.mistral');
    assert.equal(p?.line, 7);
    assert.match(p?.reason ?? '', /unknown field.*colour/);
  });

  it('rejects a bad kind, a bad URL, an unknown backend and an unknown fallback', () => {
    assert.match(problems(valid.replace('kind: vllm, url: http://10.0.0.5', 'kind: vlm, url: http://10.0.0.5'))[0]?.reason ?? '', /vllm/);
    const url = problems(valid.replace('http://10.0.0.6:8000', 'not a url'))[0];
    assert.equal(url?.field, 'backends.gpu2.url');
    assert.equal(url?.line, 6);
    const unknown = problems(valid.replace('{ backend: gpu2,', '{ backend: gpu3,'))[0];
    assert.equal(unknown?.field, 'models[0].deployments[1].backend');
    assert.equal(unknown?.line, 12);
    assert.match(unknown?.reason ?? '', /unknown backend 'gpu3'/);
    assert.match(problems(valid.replace('fallbacks: [mistral-small]', 'fallbacks: [nope]'))[0]?.reason ?? '', /unknown fallback model 'nope'/);
  });

  it('never puts a hosted API in the local zone by default', () => {
    const cfg = parseConfig('backends:\n  api: { kind: openai, url: https://api.example.com/v1 }\n  gpu: { kind: vllm, url: http://127.0.0.1:8000 }\n  mine: { kind: openai, url: http://127.0.0.1:8001, hosted: false }\n', 'relais.yaml', {});
    const zone = (id: string): string => {
      const b = cfg.backends[id];
      return b && b.kind !== 'embedded' ? backendZone(b) : '';
    };
    assert.equal(zone('api'), 'hosted');
    assert.equal(zone('gpu'), 'local');
    assert.equal(zone('mine'), 'local');
  });

  it('reports YAML syntax errors with their line', () => {
    const [p] = problems('listen: 127.0.0.1:8080\nbackends:\n  a: { kind: vllm, url: http://x:1\n');
    assert.match(p?.reason ?? '', /YAML syntax/);
    assert.ok((p?.line ?? 0) >= 3);
  });

  it('builds backends and models from RELAIS_BACKENDS / RELAIS_MODELS', () => {
    const cfg = configFromEnv({ RELAIS_BACKENDS: 'gpu1=vllm:http://127.0.0.1:8000, llamacpp:http://127.0.0.1:8081', RELAIS_MODELS: 'llama=meta/Llama' });
    assert.deepEqual(Object.keys(cfg.backends), ['gpu1', 'b2']);
    assert.equal(cfg.backends.b2?.kind, 'llamacpp');
    assert.deepEqual(cfg.models[0]?.deployments, [
      { backend: 'gpu1', model: 'meta/Llama' },
      { backend: 'b2', model: 'meta/Llama' },
    ]);
  });

  it('stops start-up with the file, field, line and reason', async () => {
    const { file } = writeConfig('listen: 127.0.0.1:0\nbackends:\n  a: { kind: vllm, url: http://127.0.0.1:1, zone: Moon }\n');
    const r = await runCli(['serve', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /relais\.yaml/);
    assert.match(r.stderr, /backends\.a\.zone \(line 3\)/);
  });
});
