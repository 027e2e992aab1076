import { startSimFleet } from '../../src/sim/index.js';
import { run } from '../../src/cli/bench.js';
const fleet = await startSimFleet({ replicas: 1, speed: 4, servedModelName: 'llama-8b' });
const url = fleet.urls[0] + '/v1';
const mode = process.argv[2];
const args = mode === 'rate'
  ? ['--url', url, '--rate', '2,4,8,16', '--prompt-tokens', '128,1024', '--max-tokens', 'uniform:32,96', '--requests', '30', '--slo', 'ttft=300ms,tpot=40ms', '--html', '/tmp/smk/rate.html', '--out', '/tmp/smk/rate.json', '--no-progress']
  : mode === 'findmax'
  ? ['--url', url, '--find-max', '--rate', '4', '--prompt-tokens', '512', '--max-tokens', '64', '--requests', '30', '--slo', 'ttft=200ms,tpot=30ms', '--no-progress', '--ignore-eos']
  : ['--url', url, '--concurrency', '1,4,16,64', '--prompt-tokens', '128,1024', '--max-tokens', '64', '--requests', '30', '--workload', 'multi-turn', '--turns', '3', '--html', '/tmp/smk/mt.html', '--out', '/tmp/smk/mt.json', '--no-progress', '--ignore-eos'];
const t = performance.now();
console.log('code', await run(args), ((performance.now() - t) / 1000).toFixed(1), 's');
await fleet.close();
