// OpenTelemetry traces over OTLP/HTTP to a receiver on loopback: one server span per request with the
// GenAI conventions, child spans for admission, routing and each upstream attempt, the client's
// traceparent continued and passed on to the engine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { configSchema } from '../../src/config/schema.js';
import { Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { attr, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('tracing', () => {
  let good: FakeEngine;
  let bad: FakeEngine;
  let receiver: OtlpReceiver;
  let gateway: Gateway;
  let base: string;

  const start = async (tracing: Record<string, unknown> | undefined): Promise<void> => {
    const config = configSchema.parse({
      ...(tracing ? { tracing } : {}),
      backends: { bad: { kind: 'vllm', url: bad.url }, good: { kind: 'vllm', url: good.url } },
      models: [
        { name: 'm', deployments: [{ backend: 'bad', model: 'fake-model' }], fallbacks: ['m2'] },
        { name: 'm2', deployments: [{ backend: 'good', model: 'fake-model' }] },
      ],
    });
    gateway = await Gateway.create(config, { log: createLogger('error') });
    base = `http://127.0.0.1:${(await gateway.listen('127.0.0.1', 0)).port}`;
  };
  const chat = (traceparent?: string) =>
    new OpenAI({ baseURL: `${base}/v1`, apiKey: 'x', defaultHeaders: traceparent ? { traceparent } : {} }).chat.completions.create({
      model: 'm',
      max_tokens: 3,
      temperature: 0.5,
      messages: [{ role: 'user', content: 'hello there' }],
    });

  before(async () => {
    good = await startFakeEngine();
    bad = await startFakeEngine({ mode: 'error500' });
    receiver = await startOtlpReceiver();
  });
  after(async () => {
    await good.close();
    await bad.close();
    await receiver.close();
  });

  it('exports a request span with GenAI attributes and a child span per stage and attempt', async () => {
    await start({ endpoint: receiver.url, service_name: 'relais-test' });
    try {
      const r = await chat(`00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`);
      assert.equal(r.usage?.completion_tokens, 3);
      await gateway.tracer?.exporter.flush();
    } finally {
      await gateway.close(1000);
    }
    const spans = receiver.spans.filter((s) => s.traceId === CLIENT_TRACE);
    const byName = (n: string): ReceivedSpan => {
      const s = spans.find((x) => x.name === n);
      assert.ok(s, `no span '${n}' in ${spans.map((x) => x.name).join(', ')}`);
      return s;
    };
    const root = byName('chat m');
    assert.equal(root.parentSpanId, CLIENT_SPAN);
    assert.equal(root.kind, 2);
    assert.equal(root.service, 'relais-test');
    assert.equal(receiver.contentTypes[0], 'application/json');
    assert.equal(attr(root, 'gen_ai.operation.name'), 'chat');
    assert.equal(attr(root, 'gen_ai.request.model'), 'm');
    assert.equal(attr(root, 'gen_ai.request.max_tokens'), 3);
    assert.equal(attr(root, 'gen_ai.request.temperature'), 0.5);
    assert.equal(attr(root, 'gen_ai.response.model'), 'fake-model');
    assert.equal(attr(root, 'gen_ai.usage.output_tokens'), 3);
    assert.ok((attr(root, 'gen_ai.usage.input_tokens') as number) > 0);
    assert.deepEqual(attr(root, 'gen_ai.response.finish_reasons'), ['length']);
    assert.equal(attr(root, 'http.response.status_code'), 200);
    assert.equal(attr(root, 'relais.backend'), 'good');
    assert.ok(BigInt(root.endTimeUnixNano) > BigInt(root.startTimeUnixNano));

    for (const name of ['admission', 'route', 'upstream bad', 'upstream good']) assert.equal(byName(name).parentSpanId, root.spanId, name);
    assert.deepEqual(attr(byName('route'), 'relais.route'), ['bad', 'good']);
    const failed = byName('upstream bad');
    assert.equal(failed.kind, 3);
    assert.equal(failed.status.code, 2);
    assert.equal(attr(failed, 'http.response.status_code'), 500);
    const ok = byName('upstream good');
    assert.equal(attr(ok, 'gen_ai.provider.name'), 'vllm');
    // The engine continues the trace under the attempt's span.
    assert.equal(good.lastHeaders?.traceparent, `00-${CLIENT_TRACE}-${ok.spanId}-01`);
  });

  it('without a client traceparent starts a trace of its own; a client that does not sample is followed', async () => {
    await start({ endpoint: receiver.url });
    const before = receiver.spans.length;
    try {
      await chat();
      await chat(`00-${'1'.repeat(32)}-${CLIENT_SPAN}-00`);
      assert.equal(good.lastHeaders?.traceparent, `00-${'1'.repeat(32)}-${CLIENT_SPAN}-00`);
      await gateway.tracer?.exporter.flush();
    } finally {
      await gateway.close(1000);
    }
    const roots = receiver.spans.slice(before).filter((s) => s.name === 'chat m');
    assert.equal(roots.length, 1);
    assert.equal(roots[0]?.parentSpanId, undefined);
    assert.match(roots[0]?.traceId ?? '', /^[0-9a-f]{32}$/);
  });

  it('with tracing off passes the client’s traceparent to the engine unchanged', async () => {
    await start(undefined);
    try {
      assert.equal(gateway.tracer, undefined);
      const tp = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
      await chat(tp);
      assert.equal(good.lastHeaders?.traceparent, tp);
      await chat();
      assert.equal(good.lastHeaders?.traceparent, undefined);
    } finally {
      await gateway.close(1000);
    }
  });
});
