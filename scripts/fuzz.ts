// npm run fuzz -- [--count 5000] [--seed 1] [--concurrency 8] [--json report.json]
// Hostile requests over every route of a keyed gateway (scripts/fuzz/); exit 1 when anything that
// must hold did not: a crash, a gateway 5xx, a hang past 10 s, a request closed without an answer,
// or a gateway that does not serve normally afterwards.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, runFuzz } from './fuzz/run-fuzz.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
  strict: true,
});
const count = Number(values.count);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || seed < 0 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('relais fuzz: --count, --seed and --concurrency take whole numbers (count and concurrency ≥ 1)');
  process.exit(2);
}
let shown = 0;
const report = await runFuzz({
  count,
  seed,
  concurrency,
  onProgress: (done, total) => {
    if (process.stderr.isTTY && (done - shown >= 50 || done === total)) {
      shown = done;
      process.stderr.write(`\rfuzz ${done}/${total}`);
    }
  },
});
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(formatReport(report));
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
