// relais models list / inspect on generated files (no llama.cpp needed: the header is enough).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/models.js';
import { generateTinyModel } from '../../src/engine/tiny-model.js';
import { captureCli, type CliOutput } from '../support/capture-cli.js';

function capture(argv: string[]): Promise<CliOutput> {
  return captureCli(run, argv);
}

describe('relais models', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-cli-'));
    await writeFile(join(dir, 'tiny.gguf'), generateTinyModel());
    await writeFile(join(dir, 'broken.gguf'), Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(30)]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lists models with architecture, parameters, quantization, size and context; broken files say why', async () => {
    const { code, out } = await capture(['list', '--dir', dir]);
    assert.equal(code, 0);
    const lines = out.split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+ARCH\s+PARAMS\s+QUANT\s+SIZE\s+CONTEXT$/);
    assert.match(out, /tiny\s+llama\s+108K\s+F16\s+218 KiB\s+4096/);
    assert.match(out, /broken\s+invalid\s+-\s+-\s+34 B\s+unsupported GGUF version 0/);
    const json = JSON.parse((await capture(['list', '--dir', dir, '--json'])).out) as Array<Record<string, unknown>>;
    assert.equal(json.find((m) => m.name === 'tiny')?.architecture, 'llama');
  });

  it('inspects a file: header and memory estimate, as text or JSON', async () => {
    const text = await capture(['inspect', 'tiny', '--dir', dir, '--context', '1024', '--parallel', '2']);
    assert.equal(text.code, 0);
    assert.match(text.out, /heads\s+4 \(KV heads 2\)/);
    assert.match(text.out, /chat template\s+yes, tools yes/);
    assert.match(text.out, /fill-in-middle\s+yes/);
    assert.match(text.out, /memory\s+.* for 1024 tokens × 2 sequences/);
    const json = JSON.parse((await capture(['inspect', join(dir, 'tiny.gguf'), '--json'])).out) as { layers: number; memory: { kvCache: number; context: number } };
    assert.equal(json.layers, 2);
    assert.equal(json.memory.context, 4096);
    assert.equal(json.memory.kvCache, 2 * 4096 * 2 * 32 * 2);
  });

  it('explains a missing file and an empty directory', async () => {
    const missing = await capture(['inspect', 'nope', '--dir', dir]).catch((e: unknown) => e);
    assert.ok(missing instanceof Error && /no such model file: nope/.test(missing.message));
    const empty = await mkdtemp(join(tmpdir(), 'relais-cli-empty-'));
    try {
      const { out } = await capture(['list', '--dir', empty]);
      assert.match(out, /No models in .*relais models pull hf:OWNER\/REPO\/FILE\.gguf.*relais serve --demo/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
