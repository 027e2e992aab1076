// Three gateway processes behind HAProxy on PostgreSQL + Redis, eight simulated vLLM replicas:
// N instances behave as one service (prefix affinity, limits, key revocation).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { roundRobin } from '../../src/router/policies/round-robin.js';
import { runHttpWorkload } from '../../src/sim/http/load.js';
import { parseWorkload } from '../../src/sim/workload.js';
import { CLUSTER_MODEL, prefixCounters, startCluster, type Cluster } from '../support/cluster.js';

const MASTER = 'sk-cluster-master';
const auth = { authorization: `Bearer ${MASTER}` };

describe('three gateways behind HAProxy', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ gateways: 3, replicas: 8, masterKey: MASTER });
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
});
