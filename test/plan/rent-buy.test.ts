// Rent vs buy by hours of use, checked against arithmetic done by hand (catalog: H100 PCIe 29,500 €, 350 W;
// 2-GPU server 7,000 €, 150 W idle; on demand $3.29/GPU/h at 0.924 €/$ = 3.040 €/h; reserved 1,950 €/GPU-month).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import { run } from '../../src/cli/plan.js';
import { DEFAULT_COSTS, type CostOptions } from '../../src/plan/costs.js';
import { evaluate } from '../../src/plan/evaluate.js';
import { explain } from '../../src/plan/explain.js';
import { USE_CASES } from '../../src/plan/use-case.js';
import { captureCli } from '../support/capture-cli.js';

const close = (a: number | undefined, b: number, tol = 0.01): boolean => a !== undefined && Math.abs(a - b) <= tol;

function h100(costs: CostOptions) {
  return evaluate({
    gpu: getGpu('h100-pcie'), model: getModel('llama-3.1-8b'), quant: getQuant('bf16'), engine: 'vllm', gpus: 1, tp: 1,
    workload: USE_CASES.chat, users: 20, costs,
  });
}

test('10 h a day: renting the catalog\'s H100 on demand beats buying it', () => {
  const e = h100({ ...DEFAULT_COSTS, hoursPerDay: 10, daysPerWeek: 7 });
  const { hours, buy, rent } = e.costs;
  // 10 h × 7 days × 365/7/12 weeks = 304.17 h a month.
  assert.ok(close(hours.perMonth, 304.1667, 1e-3));
  // Rent: 3.04 €/h × 304.17 h = 924.67 €.
  assert.ok(close(rent?.onDemand?.eurMonth, 924.667));
  assert.equal(rent?.best.kind, 'on-demand');
  // Buy: (29,500 + 7,000) / 36 = 1,013.89; GPU 350 W × (0.7 × 304.17 h + 0.1 × 425.83 h) = 89.425 kWh × 0.25 = 22.36;
  // host 150 W × 730 h = 109.5 kWh × 0.25 = 27.38 → 1,063.62 €.
  assert.ok(close(buy?.amortisedEurMonth, 1013.889));
  assert.ok(close(buy?.gpuPowerEurMonth, 22.356));
  assert.ok(close(buy?.hostPowerEurMonth, 27.375));
  assert.ok(close(buy?.totalEurMonth, 1063.620));
  assert.ok(rent!.best.eurMonth < buy!.totalEurMonth);
});

test('24/7: buying beats renting (on demand 2,219 €, reserved 1,950 €)', () => {
  const e = h100(DEFAULT_COSTS);
  const { buy, rent, breakEven } = e.costs;
  assert.ok(close(rent?.onDemand?.eurMonth, 2219.2));
  assert.ok(close(rent?.reserved?.eurMonth, 1950));
  assert.equal(rent?.best.kind, 'reserved');
  // 1,013.89 + 350 W × 0.7 × 730 h × 0.25 €/kWh (44.71) + 27.38 = 1,085.98 €.
  assert.ok(close(buy?.totalEurMonth, 1085.976));
  assert.ok(buy!.totalEurMonth < rent!.best.eurMonth);
  // Break-even with on demand: buying costs 1,047.65 + 38.33·u (u = share of the month in use), renting 2,219.2·u:
  // u = 1,047.65 / 2,180.88 = 0.4804, i.e. 11.53 h a day every day.
  assert.ok(close(breakEven?.utilisation ?? undefined, 0.48038, 1e-4));
  assert.ok(close(breakEven?.hoursPerDay ?? undefined, 11.529, 1e-3));
  const at = (h: number) => h100({ ...DEFAULT_COSTS, hoursPerDay: h, daysPerWeek: 7 }).costs;
  const edge = at(11.529);
  assert.ok(close(edge.buy?.totalEurMonth, edge.rent?.onDemand?.eurMonth ?? 0, 0.5), 'they meet there');
  assert.equal(at(5).breakEven?.hoursPerDay?.toFixed(2), '11.53', 'the break-even does not depend on the hours chosen');
  // At 5 days a week the same utilisation is 16.1 h a day.
  assert.ok(close(h100({ ...DEFAULT_COSTS, daysPerWeek: 5 }).costs.breakEven?.hoursPerDay ?? undefined, 11.529 * 7 / 5, 1e-3));
});

test('--explain shows the rent and buy terms; --json carries them; the table shows both and the break-even', async () => {
  const text = explain(h100({ ...DEFAULT_COSTS, hoursPerDay: 10 })).join('\n');
  assert.match(text, /Cost \(used 10 h\/day × 7 days\/week = 304 h\/month, 42% of 730 h\)/);
  assert.match(text, /buy: GPUs 1 × 29500 € \+ hosts 1 × 7000 € \(server-2\) = 36500 € \/ 36 months = 1014 €\/month/);
  assert.match(text, /GPU power: 1 × 350 W × \(0.7 × 304 h in use \+ 0.1 × 426 h idle\) × 0.25 €\/kWh = 22 €\/month/);
  assert.match(text, /rent on demand: 1 × 3.040 €\/GPU\/h × 304 h = 925 €\/month \(Lambda 1x H100 PCIe, \$3.29\/GPU\/h, read 2026-09-25, unverified/);
  assert.match(text, /rent reserved \(paid every hour\): 1 × 2.671 €\/GPU\/h × 730 h = 1950 €\/month/);
  assert.match(text, /rent spot: .* — interruptible, never ranked/);
  assert.match(text, /break-even: buying costs less than renting on demand above 48% of the month \(11.5 h\/day at 7 days\/week\)/);
  const one = await captureCli(run, ['--model', 'llama-3.1-8b', '--gpu', 'h100-pcie', '--users', '20', '--hours-per-day', '10', '--json']);
  assert.equal(one.code, 0, one.err);
  const j = JSON.parse(one.out) as { rent_vs_buy: { hours: { per_day: number; per_month: number }; buy: { eur_month: number }; rent: { eur_month: number; kind: string; on_demand: { quoted: string } }; break_even: { hours_per_day: number } } };
  assert.equal(j.rent_vs_buy.hours.per_day, 10);
  assert.ok(close(j.rent_vs_buy.buy.eur_month, 1063.62));
  assert.ok(close(j.rent_vs_buy.rent.eur_month, 924.667));
  assert.equal(j.rent_vs_buy.rent.on_demand.quoted, '$3.29/GPU/h');
  assert.ok(close(j.rent_vs_buy.break_even.hours_per_day, 11.529, 1e-3));
  const table = await captureCli(run, ['--model', 'llama-3.1-8b', '--users', '20', '--max-gpus', '1', '--engine', 'vllm', '--quant', 'bf16', '--hours-per-day', '10', '--pricing', 'rent']);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /buy €\/mo\s+rent €\/mo\s+break-even/);
  assert.match(table.out, /^1 × h100-pcie\s+1 × server-2\s+1×tp1\s+vllm\s+bf16\s+.*\s1064\s+925\s+11\.5 h\/d\s/m);
  assert.match(table.out, /rent = on demand for 10 h\/day × 7 days\/week, or reserved \(R\) for the whole month when cheaper; ranked by rent/);
  const bad = await captureCli(run, ['--model', 'llama-3.1-8b', '--users', '5', '--hours-per-day', '25']);
  assert.match(bad.err, /--hours-per-day must be at most 24/);
});
