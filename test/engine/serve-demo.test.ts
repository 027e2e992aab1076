// `relais serve --demo` as a real process: the generated model served offline, /api/ps, Ollama keep_alive.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

describe('relais serve --demo', () => {
  let gw: GatewayProcess;
  let openai: OpenAI;

  before(async () => {
    gw = await startGateway('log_level: info\n', { args: ['--demo'], env: { RELAIS_MODELS_DIR: undefined } });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.stop();
  });

  it('generates relais-demo and says plainly that its output is meaningless', async () => {
    assert.ok(existsSync(join(gw.dir, '.relais', 'models', 'relais-demo.gguf')));
    const list = await openai.models.list();
    assert.deepEqual(list.data.map((m) => m.id), ['relais-demo']);
    assert.match(JSON.stringify(list.data[0]), /random and its output is meaningless/);
    assert.ok(gw.lines.some((l) => /relais-demo has random weights/.test(l)));
  });

  it('chats with the openai client, streaming and not', async () => {
    const r = await openai.chat.completions.create({ model: 'relais-demo', messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 8, seed: 3 });
    assert.equal(r.choices[0]?.message.role, 'assistant');
    assert.ok((r.usage?.completion_tokens ?? 0) >= 1);
    const stream = await openai.chat.completions.create({ model: 'relais-demo', messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 8, seed: 3, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, r.choices[0]?.message.content);
  });

  it('lists the loaded model in /api/ps and unloads it for keep_alive 0', async () => {
    const ollama = new Ollama({ host: gw.url });
    const ps = await ollama.ps();
    assert.equal(ps.models[0]?.name, 'relais-demo');
    assert.equal(ps.models[0]?.details.quantization_level, 'F16');
    assert.ok(Date.parse(String(ps.models[0]?.expires_at)) > Date.now());
    await ollama.chat({ model: 'relais-demo', messages: [{ role: 'user', content: 'bye' }], keep_alive: 0, options: { num_predict: 2 } });
    let models = (await ollama.ps()).models;
    for (let i = 0; i < 50 && models.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      models = (await ollama.ps()).models;
    }
    assert.deepEqual(models, []);
  });
});
