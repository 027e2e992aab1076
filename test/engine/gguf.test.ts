import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GgufError, readGguf } from '../../src/engine/gguf-reader.js';
import { parseKeepAlive } from '../../src/engine/keep-alive.js';
import { estimateMemory } from '../../src/engine/memory-estimate.js';
import { modelInfo } from '../../src/engine/model-info.js';
import { generateTinyModel, toHalf } from '../../src/engine/tiny-model.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('tiny model generator', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-gguf-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateTinyModel({ seed: 7 });
    assert.equal(sha(a), sha(generateTinyModel({ seed: 7 })));
    assert.notEqual(sha(a), sha(generateTinyModel({ seed: 8 })));
    assert.ok(a.length > 100_000 && a.length < 1_000_000, `size ${a.length} should be a few hundred KB`);
  });

  it('writes a GGUF that our reader understands', async () => {
    const path = join(dir, 'tiny.gguf');
    await writeFile(path, generateTinyModel());
    const file = await readGguf(path);
    assert.equal(file.version, 3);
    assert.equal(file.dataOffset % 32, 0);
    const info = modelInfo(file);
    assert.equal(info.name, 'tiny');
    assert.equal(info.architecture, 'llama');
    assert.equal(info.layers, 2);
    assert.equal(info.heads, 4);
    assert.equal(info.kvHeads, 2);
    assert.equal(info.embeddingLength, 64);
    assert.equal(info.contextLength, 4096);
    assert.equal(info.vocabSize, 263);
    assert.equal(info.tokenizer, 'gpt2');
    assert.equal(info.quantization, 'F16');
    assert.deepEqual(info.tensorTypes, { F16: 16, F32: 5 });
    assert.equal(info.chatTemplate, true);
    assert.equal(info.chatTemplateSupportsTools, true, 'the demo template renders tools');
    assert.equal(info.fim, true);
    assert.equal(info.weightsBytes, file.fileSize - file.dataOffset - paddingOf(file.tensors.map((t) => Number(t.bytes))));
  });

  it('rejects a file with the wrong magic, naming the problem', async () => {
    const path = join(dir, 'bad-magic.gguf');
    const buf = generateTinyModel();
    buf.write('GGML', 0, 'latin1');
    await writeFile(path, buf);
    await assert.rejects(readGguf(path), (err: unknown) => err instanceof GgufError && /wrong magic "GGML"/.test(err.message));
  });

  it('rejects a truncated file in the header and in the weights', async () => {
    const full = generateTinyModel();
    const inHeader = join(dir, 'cut-header.gguf');
    await writeFile(inHeader, full.subarray(0, 2000));
    await assert.rejects(readGguf(inHeader), /truncated file/);
    const inData = join(dir, 'cut-data.gguf');
    await writeFile(inData, full.subarray(0, full.length - 1000));
    await assert.rejects(readGguf(inData), /truncated file: tensor data needs \d+ bytes but the file has \d+/);
  });

  it('converts to half precision correctly', () => {
    assert.equal(toHalf(1), 0x3c00);
    assert.equal(toHalf(-2), 0xc000);
    assert.equal(toHalf(0.5), 0x3800);
    assert.equal(toHalf(65504), 0x7bff);
    assert.equal(toHalf(1e9), 0x7c00);
    assert.equal(toHalf(0), 0);
  });
});

// Tensors are each padded to 32 bytes; the reader's byte count excludes that padding.
function paddingOf(sizes: number[]): number {
  return sizes.reduce((sum, s) => sum + (Math.ceil(s / 32) * 32 - s), 0);
}

describe('memory estimate', () => {
  it('counts weights, KV cache for context × parallel, and overhead', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relais-mem-'));
    try {
      const path = join(dir, 'm.gguf');
      await writeFile(path, generateTinyModel());
      const info = modelInfo(await readGguf(path));
      const e = estimateMemory(info, 4096, 4);
      // 2 layers × 16384 cells × 2 KV heads × (16 + 16) dims × 2 bytes
      assert.equal(e.kvCache, 2 * 4096 * 4 * 2 * 32 * 2);
      assert.equal(e.weights, info.weightsBytes);
      assert.equal(e.total, e.weights + e.kvCache + e.overhead);
      assert.ok(estimateMemory(info, 8192, 4).total > e.total);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('keep_alive parsing', () => {
  it('reads Ollama durations', () => {
    assert.equal(parseKeepAlive('5m'), 300_000);
    assert.equal(parseKeepAlive('1h30m'), 5_400_000);
    assert.equal(parseKeepAlive('250ms'), 250);
    assert.equal(parseKeepAlive('0'), 0);
    assert.equal(parseKeepAlive(30), 30_000);
    assert.equal(parseKeepAlive('-1'), Infinity);
    assert.equal(parseKeepAlive(-1), Infinity);
    assert.throws(() => parseKeepAlive('soon'), /invalid keep_alive 'soon'/);
  });
});
