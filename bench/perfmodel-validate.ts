// `npm run bench:perfmodel`: the performance model against public batched measurements — the server factors
// fitted on every vLLM source, and the leave-one-source-out error table of docs/perfmodel.md.
import { MEASUREMENT_SOURCES } from '../src/catalog/batched-measurements.js';
import { bandsFromHeldOut, errorStats, fitServerFactors, leaveOneSourceOut, validationPoints, type PointErrors } from '../src/perfmodel/validate.js';

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '–');
const points = validationPoints();
const fitted = fitServerFactors(points.filter((p) => p.engine === 'vllm'));
console.log('server factors fitted on every vLLM source:');
for (const [k, v] of Object.entries(fitted)) console.log(`  ${k.padEnd(20)} ${k.endsWith('Sec') ? `${(v * 1e6).toFixed(1)} µs` : v.toFixed(3)}`);

const heldOut = leaveOneSourceOut(points);
const engineOf = new Map(MEASUREMENT_SOURCES.map((s) => [s.id, s.engine]));
console.log('\nheld-out source | engine | GPU class | points | per-user tok/s median / p90 | latency ratio median / p90');
const rows: { key: string; errs: PointErrors[] }[] = [];
for (const h of heldOut) {
  const byClass = new Map<string, PointErrors[]>();
  for (const e of h.errors) byClass.set(e.point.gpuClass, [...(byClass.get(e.point.gpuClass) ?? []), e]);
  for (const [cls, errs] of byClass) rows.push({ key: `${h.source} | ${engineOf.get(h.source)} | ${cls}`, errs });
}
const line = (key: string, errs: readonly PointErrors[]): string => {
  const pu = errorStats(errs.flatMap((e) => (e.perUser === undefined ? [] : [e.perUser])));
  const lr = errorStats(errs.flatMap((e) => (e.latencyRatio === undefined ? [] : [e.latencyRatio])));
  return `| ${key} | ${errs.length} | ${pct(pu.median)} / ${pct(pu.p90)} (n=${pu.n}) | ${pct(lr.median)} / ${pct(lr.p90)} (n=${lr.n}) |`;
};
for (const r of rows) console.log(line(r.key, r.errs));
const vllm = heldOut.filter((h) => engineOf.get(h.source) === 'vllm').flatMap((h) => h.errors);
console.log(line('all vLLM sources, held out | vllm | all', vllm));
console.log('\nper point (held out): source, GPU, model, quant, concurrency, prompt → per-user error, latency-ratio error (measured ratio)');
for (const h of heldOut) {
  for (const e of h.errors) {
    const r = e.point.row;
    console.log(`  ${r.source} ${r.gpus}×${r.gpu} ${r.model} ${r.quant} c=${r.level} p=${r.promptTokens}: ${e.perUser === undefined ? '–' : pct(e.perUser)}, ${e.latencyRatio === undefined ? '–' : `${pct(e.latencyRatio)} (${e.measuredRatio?.toFixed(2)})`}`);
  }
}
const bands = bandsFromHeldOut(heldOut);
console.log(`\nuncertainty bands (p10–p90 of measured/predicted, at least ±15%): speed × ${bands.speed.low.toFixed(2)}–${bands.speed.high.toFixed(2)}, latency × ${bands.latency.low.toFixed(2)}–${bands.latency.high.toFixed(2)}`);
