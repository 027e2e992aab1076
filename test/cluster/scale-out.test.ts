// Three gateway processes behind HAProxy on PostgreSQL + Redis, eight simulated vLLM replicas:
// N instances behave as one service (prefix affinity, limits, key revocation).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { roundRobin } from '../../src/router/policies/round-robin.js';
import { runHttpWorkload } from '../../src/sim/http/load.js';
import { parseWorkload } from '../../src/sim/workload.js';
import { createKey } from '../support/admin-keys.js';
import { CLUSTER_MODEL, prefixCounters, startCluster, type Cluster } from '../support/cluster.js';

const MASTER = 'sk-cluster-master';
const auth = { authorization: `Bearer ${MASTER}` };

describe('three gateways behind HAProxy', () => {
  let cluster: Cluster;
  before(async () => {
    // Revision polling effectively off: key changes must travel over the bus.
    cluster = await startCluster({ gateways: 3, replicas: 8, masterKey: MASTER, yaml: 'access: { refresh_ms: 600000 }' });
  });
  after(async () => {
    await cluster?.close();
  });

  it('keep the prefix-cache hit rate of one gateway on a shared-prefix workload', async () => {
    const workload = parseWorkload({ seed: 11, requests: 240, arrival: { rate: 40 }, prompt: 100, output: 8, prefix: { groups: 16, tokens: 1000 } });
    const run = async (url: string, salt: string): Promise<number> => {
      const before = await prefixCounters(cluster.fleet);
      const r = await runHttpWorkload({ urls: [url], model: CLUSTER_MODEL, workload, policy: roundRobin(), headers: auth, salt, maxModelLen: 8192 });
      assert.equal(r.failed, 0);
      const after = await prefixCounters(cluster.fleet);
      return (after.hits - before.hits) / (after.queries - before.queries);
    };
    const one = await run((cluster.gateways[0] as { url: string }).url, 'one-');
    const three = await run(cluster.haproxy.url, 'three-');
    console.log(`# prefix-cache hit rate: one gateway ${(one * 100).toFixed(1)}%, three behind HAProxy ${(three * 100).toFixed(1)}%`);
    assert.ok(three >= one - 0.05, `three gateways ${three} vs one ${one}`);
  });

  /**
   * Asks every instance directly (not through HAProxy) until `ok(status)`; returns per instance the
   * send time (ms after the call) of the last request that did not see the change yet and of the first
   * that did: the change took effect between the two.
   */
  async function everywhere(key: string, ok: (status: number) => boolean, limitMs: number): Promise<{ before: number; after: number }[]> {
    const t0 = performance.now();
    return Promise.all(
      cluster.gateways.map(async (g) => {
        let before = -1;
        for (;;) {
          const sent = performance.now() - t0;
          const status = (await fetch(`${g.url}/v1/key`, { headers: { authorization: `Bearer ${key}` } })).status;
          if (ok(status)) return { before, after: sent };
          before = sent;
          assert.ok(before < limitMs, `${g.url} still answered ${status} to a request sent ${before.toFixed(0)} ms after the change`);
          await sleep(2);
        }
      }),
    );
  }

  it('admit exactly a key’s rpm across the three', async () => {
    const { key } = await createKey((cluster.gateways[0] as { url: string }).url, MASTER, { name: 'rpm', rpm: 100 });
    await everywhere(key, (s) => s === 200, 200);
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 300) {
          const i = next++;
          const res = await fetch(`${cluster.haproxy.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: CLUSTER_MODEL, max_tokens: 1, messages: [{ role: 'user', content: `hello ${i}` }] }),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    assert.deepEqual(Object.fromEntries(statuses), { 200: 100, 429: 200 });
  });

  it('refuse a key revoked on one instance on every instance within 200 ms', async () => {
    const { id, key } = await createKey((cluster.gateways[0] as { url: string }).url, MASTER, { name: 'revoked' });
    const seen = await everywhere(key, (s) => s === 200, 200);
    // From the moment the admin has the answer of the instance that revoked it.
    const r = await fetch(`${(cluster.gateways[1] as { url: string }).url}/admin/keys/${id}`, { method: 'DELETE', headers: auth });
    assert.equal(r.status, 200);
    const refused = await everywhere(key, (s) => s === 401, 200);
    const show = (xs: { before: number; after: number }[]): string => xs.map((x) => `${Math.max(0, x.before).toFixed(0)}–${x.after.toFixed(0)}`).join(', ');
    console.log(`# new key usable on each instance after ${show(seen)} ms; revocation in effect after ${show(refused)} ms`);
  });
});
