// relais bench compare a.json b.json [--html out.html] [--metric e2e] [--stat mean]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readRun } from './read-run.js';
import { compareText } from './compare.js';
import { compareHtml } from './compare-html.js';
import { metrics } from './grid.js';
import { statNames } from './stats.js';
import { parseChoice } from './cli-values.js';

export async function runCompare(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { html: { type: 'string' }, metric: { type: 'string', default: 'e2e' }, stat: { type: 'string', default: 'mean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help || positionals.length !== 2) {
      console.error('Usage: relais bench compare a.json b.json [--html compare.html] [--metric e2e|ttft|tpot|itl] [--stat mean|median|p90|p99]');
      return values.help ? 0 : 2;
    }
    const [fa = '', fb = ''] = positionals;
    const a = readRun(fa);
    const b = readRun(fb);
    const metric = parseChoice('metric', values.metric, metrics);
    const stat = parseChoice('stat', values.stat, statNames);
    console.log(compareText(a, b, metric, stat));
    if (values.html) {
      writeFileSync(values.html, compareHtml(a, b, metric, stat));
      console.log(`\nwrote ${values.html}`);
    }
    return 0;
  } catch (err) {
    console.error(`relais bench compare: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
