// Listen addresses as newcomers type them (issue 11, item 21): a bare port is this machine only,
// `:PORT` binds every interface but says so, HOST:PORT as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { listenWarning, parseListen } from '../../src/config/listen.js';
import { configSchema } from '../../src/config/schema.js';
import { oneModelYaml, startGateway } from '../support/gateway-process.js';

test('parseListen: bare port → 127.0.0.1, :PORT → every interface (flagged), HOST:PORT and [v6]:PORT as written', () => {
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000, implicitAllInterfaces: false });
  assert.deepEqual(parseListen(':9000'), { host: '0.0.0.0', port: 9000, implicitAllInterfaces: true });
  assert.deepEqual(parseListen('0.0.0.0:9000'), { host: '0.0.0.0', port: 9000, implicitAllInterfaces: false });
  assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080, implicitAllInterfaces: false });
  assert.match(listenWarning(':9000', parseListen(':9000')) ?? '', /reachable from the network/);
  assert.equal(listenWarning('9000', parseListen('9000')), undefined);
  assert.equal(listenWarning('0.0.0.0:9000', parseListen('0.0.0.0:9000')), undefined, 'saying 0.0.0.0 is meaning it');
  for (const bad of ['70000', 'host', 'a:b', '1.2.3.4:', '']) assert.throws(() => parseListen(bad), /invalid/);
  assert.equal(configSchema.parse({ listen: '9000' }).listen, '9000', 'the file accepts a bare port too');
});

async function ready(url: string): Promise<number> {
  return (await fetch(`${url}/health/live`)).status;
}

test('relais serve --listen PORT binds loopback only; --listen :PORT binds every interface and warns', async () => {
  const yaml = oneModelYaml('http://127.0.0.1:9', 'log_level: warn\nhealth: { interval_ms: 60000 }');
  const bare = await startGateway(yaml, { args: ['--listen', '0'] });
  try {
    assert.equal(await ready(bare.url), 200);
    const listening = JSON.parse(bare.lines.find((l) => l.includes('"event":"listening"')) ?? '{}') as { url?: string };
    assert.match(listening.url ?? '', /^http:\/\/127\.0\.0\.1:/);
    assert.ok(!bare.lines.some((l) => l.includes('reachable from the network')));
  } finally {
    await bare.stop();
  }
  const open = await startGateway(yaml, { args: ['--listen', ':0'] });
  try {
    assert.equal(await ready(open.url), 200);
    const listening = JSON.parse(open.lines.find((l) => l.includes('"event":"listening"')) ?? '{}') as { url?: string };
    assert.match(listening.url ?? '', /^http:\/\/(0\.0\.0\.0|\[::\]):/);
    const warn = open.lines.find((l) => l.includes('reachable from the network'));
    assert.ok(warn, open.lines.join('\n'));
    assert.match(warn, /"level":"warn"/);
    // Reachable on a non-loopback address when the machine has one.
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) assert.equal(await ready(`http://${external.address}:${open.port}`), 200);
  } finally {
    await open.stop();
  }
});
