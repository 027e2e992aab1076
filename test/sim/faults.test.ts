// Fault flags: error rate, hang, slowdown, die after N requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startSimFleet } from '../../src/sim/http/fleet.js';
import { fixtureModel } from './fixture-model.js';

const model = fixtureModel();
const body = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'test-model', prompt: 'z'.repeat(400), max_tokens: 4, ...extra });
const post = (url: string, extra?: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(extra), signal });

test('error rate: that share of requests fails with HTTP 500 in vLLM error shape', async () => {
  const fleet = await startSimFleet({ replicas: 1, replicaModel: model, speed: 20, errorRate: 0.3, seed: 5 });
  try {
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => {
      const r = await post(fleet.urls[0]!);
      if (r.status === 500) assert.equal(((await r.json()) as { error: { type: string } }).error.type, 'InternalServerError');
      else await r.arrayBuffer();
      return r.status;
    }));
    const failed = statuses.filter((s) => s === 500).length;
    assert.equal(failed + statuses.filter((s) => s === 200).length, 200);
    assert.ok(failed > 35 && failed < 85, `failed ${failed}/200`);
  } finally {
    await fleet.close();
  }
});

test('hang: the request is accepted and never answered; the engine holds nothing for it', async () => {
  const fleet = await startSimFleet({ replicas: 1, replicaModel: model, hangRate: 1 });
  try {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 300);
    const t0 = performance.now();
    await assert.rejects(post(fleet.urls[0]!, { stream: true }, ctrl.signal), /abort/i);
    clearTimeout(timer);
    assert.ok(performance.now() - t0 >= 290);
    assert.equal(fleet.replicas[0]!.engine.numRunning + fleet.replicas[0]!.engine.numWaiting, 0);
    assert.equal((await fetch(`${fleet.urls[0]}/health`)).status, 200, 'health still answers');
  } finally {
    await fleet.close();
  }
});

test('die after N: the (N+1)-th request kills the replica, cuts open streams, refuses new connections', async () => {
  const fleet = await startSimFleet({ replicas: 2, replicaModel: model, dieAfter: 2, replicaFaults: { 1: { dieAfter: undefined } } });
  try {
    const url = fleet.urls[0]!;
    assert.equal((await post(url)).status, 200);
    // A long stream in flight when the replica dies is cut mid-way.
    const long = await request(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body({ max_tokens: 7000, stream: true }) });
    assert.equal(long.statusCode, 200);
    const cut = (async () => {
      for await (const _ of long.body);
    })().then(
      () => 'ended normally',
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(post(url), 'the 3rd request gets no answer');
    assert.ok((await cut) instanceof Error, 'the open stream is cut');
    await assert.rejects(fetch(`${url}/health`), 'connection refused');
    assert.equal(fleet.replicas[0]!.dead, true);
    assert.equal(fleet.replicas[0]!.engine.numRunning, 0, 'cut streams free their sequences');
    // The other replica is unaffected.
    for (let i = 0; i < 4; i++) assert.equal((await post(fleet.urls[1]!)).status, 200);
  } finally {
    await fleet.close();
  }
});

test('slowdown multiplies step times (TTFT and inter-token latency)', async () => {
  const fleet = await startSimFleet({ replicas: 2, replicaModel: model, speed: 10, replicaFaults: { 1: { slowdown: 3 } } });
  try {
    for (const url of fleet.urls) assert.equal((await post(url, { max_tokens: 20 })).status, 200);
    const [fast, slow] = fleet.replicas.map((r) => r.engine.counters.busySeconds);
    assert.ok(Math.abs(slow! / fast! - 3) < 1e-9, `busy ${fast} vs ${slow}`);
    const itl = (i: number) => {
      const text = fleet.replicas[i]!.metrics.itl.render('x="y"');
      const sum = Number(/_sum\{x="y"\} (\S+)/.exec(text)![1]);
      const count = Number(/_count\{x="y"\} (\S+)/.exec(text)![1]);
      return sum / count;
    };
    assert.ok(Math.abs(itl(1) / itl(0) - 3) < 1e-6);
  } finally {
    await fleet.close();
  }
});
