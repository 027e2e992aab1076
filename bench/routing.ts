// npm run bench:routing — routing policies compared in the virtual-time simulator, on a workload like
// llm-d's prefix-cache benchmark scaled to 8 replicas: 64 groups sharing a 2,000-token system prompt,
// 200-token questions, 200-token answers, Poisson arrivals at rising rates.
// Prints the table; `-- --json` prints { policies: { name: { rate, ttft_p50_s, ... } }, rates: [...] }.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { lineChart } from '../src/bench/svg-chart.js';
import { buildReplicaModel } from '../src/perfmodel/index.js';
import { createPolicy } from '../src/router/policies/index.js';
import { simulateFleet, type FleetReport } from '../src/sim/fleet-sim.js';
import { parseWorkload } from '../src/sim/workload.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    /** Also write a chart of TTFT p90 against the offered rate (SVG). */
    svg: { type: 'string' },
    replicas: { type: 'string', default: '8' },
    gpu: { type: 'string', default: 'rtx-4090' },
    model: { type: 'string', default: 'llama-3.1-8b' },
    quant: { type: 'string', default: 'bf16' },
    requests: { type: 'string', default: '3000' },
    rates: { type: 'string', default: '4,8,10,12,14,16,20,24,28,32,40,48,64' },
  },
});

const policies = ['round-robin', 'least-loaded', 'default'] as const;
const rates = values.rates.split(',').map(Number);
const replicaModel = buildReplicaModel({ gpu: values.gpu, gpus: 1, model: values.model, quant: values.quant, engine: 'vllm', maxModelLen: 8192 });
const replicas = Array.from({ length: Number(values.replicas) }, () => replicaModel);

interface Row {
  rate: number;
  ttft_p50_s: number;
  ttft_p90_s: number;
  e2e_p50_s: number;
  throughput_tok_s: number;
  request_rate: number;
  prefix_hit_rate: number;
  completed: number;
}

function run(policy: string, rate: number): Row {
  const workload = parseWorkload({ seed: 7, requests: Number(values.requests), arrival: { rate }, prompt: 200, output: 200, prefix: { groups: 64, tokens: 2000 } });
  const r: FleetReport = simulateFleet({ replicas, workload, policy: createPolicy(policy), modelName: values.model });
  return {
    rate,
    ttft_p50_s: r.ttft.p50,
    ttft_p90_s: r.ttft.p90,
    e2e_p50_s: r.e2e.p50,
    throughput_tok_s: r.throughput.outputTokensPerSecond,
    request_rate: r.throughput.requestsPerSecond,
    prefix_hit_rate: r.prefixCache.hitRate,
    completed: r.completed,
  };
}

/** A rate is sustained when the fleet keeps up (≥ 95% of the offered rate) with TTFT p90 under 10 s. */
const sustains = (row: Row): boolean => row.request_rate >= 0.95 * row.rate && row.ttft_p90_s < 10;

const t0 = performance.now();
const table: Record<string, Row[]> = {};
for (const p of policies) {
  table[p] = rates.map((rate) => {
    if (!values.json) process.stderr.write(`\r${p} at ${rate} req/s…\x1b[K`);
    return run(p, rate);
  });
}
if (!values.json) process.stderr.write('\r\x1b[K');

const rr = table['round-robin'] as Row[];
const rrMax = [...rr].reverse().find(sustains)?.rate ?? (rates[0] as number);
const at = (p: string, rate: number): Row => (table[p] as Row[]).find((r) => r.rate === rate) as Row;
const sloRate = (p: string): number => Math.max(0, ...(table[p] as Row[]).filter((r) => r.ttft_p90_s <= 1 && sustains(r)).map((r) => r.rate));

if (values.svg) {
  const chart = lineChart({
    title: 'TTFT p90 against offered load (virtual time, 8 replicas)',
    xLabel: 'requests / s',
    yLabel: 'TTFT p90 (s, clipped at 5)',
    yMax: 5,
    series: policies.map((p) => ({ name: p, points: (table[p] as Row[]).map((r): [number, number] => [r.rate, Math.min(5, r.ttft_p90_s)]) })),
  });
  // Standalone file: carry the styles the HTML report would otherwise provide.
  const style = '<style>text{font-family:sans-serif}.title{font-weight:600;font-size:13px}.grid{stroke:#eee}.axis{stroke:#999}.ytick{text-anchor:end;dominant-baseline:middle;font-size:11px;fill:#555}.xtick{text-anchor:middle;font-size:11px;fill:#555}.xlabel,.ylabel{text-anchor:middle;font-size:12px;fill:#333}.legend{font-size:11px;fill:#333}</style>';
  writeFileSync(values.svg, chart.replace(/^(<svg[^>]*>)/, `$1${style}<rect width="100%" height="100%" fill="#fff"/>`));
}

if (values.json) {
  const policiesOut = Object.fromEntries(policies.map((p) => [p, { ...at(p, rrMax), max_rate_at_ttft_p90_1s: sloRate(p) }]));
  console.log(JSON.stringify({ workload: 'llm-d-like: 8 replicas, 64 groups × 2000-token prefix, 200-token questions and answers', replica: `${values.gpu} ${values.model} ${values.quant} vllm`, round_robin_max_rate: rrMax, policies: policiesOut, rates: table }, null, 2));
} else {
  console.log(`Routing in the simulator: ${values.replicas} × ${values.gpu} ${values.model} ${values.quant} (vLLM), ${replicaModel.kvBlocks} KV blocks each`);
  console.log(`Workload: 64 groups sharing a 2,000-token prefix, 200-token questions, 200-token answers, ${values.requests} requests per rate\n`);
  console.log('rate   policy         TTFT p50   TTFT p90    e2e p50   out tok/s   prefix hit');
  for (const rate of rates) {
    for (const p of policies) {
      const r = at(p, rate);
      console.log(`${String(rate).padStart(4)}   ${p.padEnd(13)} ${r.ttft_p50_s.toFixed(3).padStart(8)}s ${r.ttft_p90_s.toFixed(3).padStart(9)}s ${r.e2e_p50_s.toFixed(2).padStart(9)}s ${r.throughput_tok_s.toFixed(0).padStart(10)} ${(r.prefix_hit_rate * 100).toFixed(1).padStart(10)}%${sustains(r) ? '' : '  (not sustained)'}`);
    }
  }
  const d = at('default', rrMax);
  const r = at('round-robin', rrMax);
  console.log(`\nHighest rate round-robin sustains: ${rrMax} req/s → TTFT p90 round-robin ${r.ttft_p90_s.toFixed(3)} s, default ${d.ttft_p90_s.toFixed(3)} s (${(r.ttft_p90_s / d.ttft_p90_s).toFixed(1)}× lower)`);
  console.log(`Highest rate with TTFT p90 ≤ 1 s: round-robin ${sloRate('round-robin')} req/s, least-loaded ${sloRate('least-loaded')} req/s, default ${sloRate('default')} req/s (${(sloRate('default') / Math.max(1e-9, sloRate('round-robin'))).toFixed(2)}×)`);
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s wall)`);
}
