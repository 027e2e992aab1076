import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGatewayMetrics } from '../../src/telemetry/metrics.js';
import { mergeMetrics } from '../../src/workers/merge-metrics.js';

describe('mergeMetrics', () => {
  it('sums counters and histograms series by series, keeps gauges per worker, headers once', () => {
    const a = createGatewayMetrics();
    const b = createGatewayMetrics();
    a.requests.inc(['m', 'x', 'chat', '200', 'completed'], 3);
    b.requests.inc(['m', 'x', 'chat', '200', 'completed'], 4);
    b.requests.inc(['m', 'x', 'chat', '429', 'rejected'], 1);
    a.latency.observe(['m', 'x'], 0.02);
    b.latency.observe(['m', 'x'], 0.2);
    a.inFlight.add(['x'], 2);
    b.inFlight.add(['x'], 5);
    const text = mergeMetrics([a.registry.render(), b.registry.render()]);
    assert.match(text, /^relais_requests_total\{model="m",backend="x",endpoint="chat",status="200",outcome="completed"\} 7$/m);
    assert.match(text, /^relais_requests_total\{model="m",backend="x",endpoint="chat",status="429",outcome="rejected"\} 1$/m);
    assert.match(text, /^relais_request_duration_seconds_count\{model="m",backend="x"\} 2$/m);
    assert.match(text, /^relais_request_duration_seconds_bucket\{model="m",backend="x",le="0.025"\} 1$/m);
    assert.match(text, /^relais_request_duration_seconds_bucket\{model="m",backend="x",le="0.25"\} 2$/m);
    assert.match(text, /^relais_backend_in_flight\{backend="x",worker="1"\} 2$/m);
    assert.match(text, /^relais_backend_in_flight\{backend="x",worker="2"\} 5$/m);
    assert.equal(text.match(/^# TYPE relais_requests_total counter$/gm)?.length, 1);
    assert.equal(text.match(/^# HELP relais_requests_total /gm)?.length, 1);
  });
});
