// relais bench: load benchmark of an OpenAI-compatible endpoint, and `relais bench compare`.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchOptions, benchUsage, settingsFrom } from '../bench/bench-options.js';
import { BenchError, runBench } from '../bench/sweep.js';
import { fullReport } from '../bench/report-terminal.js';
import { cellsCsv, samplesCsv } from '../bench/report-csv.js';
import { htmlReport } from '../bench/report-html.js';
import { runCompare } from '../bench/compare-command.js';
import { metrics } from '../bench/grid.js';
import { statNames } from '../bench/stats.js';
import { parseChoice } from '../bench/cli-values.js';
import { ProgressBar } from './progress.js';
import { version } from './version.js';

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'compare') return runCompare(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: benchOptions, allowPositionals: false, strict: true });
  } catch (err) {
    console.error(`relais bench: ${err instanceof Error ? err.message : String(err)}\n\n${benchUsage}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    console.log(benchUsage);
    return 0;
  }
  if (!v.url) {
    console.error(`relais bench: --url is required\n\n${benchUsage}`);
    return 2;
  }
  let settings;
  let metric;
  let stat;
  let endpoint;
  try {
    settings = settingsFrom(v);
    endpoint = parseChoice('endpoint', v.endpoint, ['chat', 'completions'] as const);
    metric = parseChoice('metric', v.metric, metrics);
    stat = parseChoice('stat', v.stat, statNames);
  } catch (err) {
    console.error(`relais bench: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const bar = new ProgressBar('bench', process.stderr, v.progress === true);
  const showBar = v['no-progress'] !== true;
  let last = { done: 0, total: 0, detail: '' };
  // First Ctrl-C: stop after the current cell and still write the results; second: quit now.
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write('\nrelais bench: stopping (Ctrl-C again to quit without writing results)\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  let result;
  try {
    result = await runBench({
      signal: interrupt.signal,
      url: v.url,
      model: v.model,
      apiKey: v['api-key'] ?? process.env.OPENAI_API_KEY,
      endpoint,
      settings,
      calibrate: v['no-calibrate'] !== true,
      toolVersion: version,
      onProgress: (p) => {
        if (!showBar) return;
        last = { done: p.requestsDone, total: p.requestsTotal, detail: `cells ${p.cellsDone}/${p.cellsTotal} · in flight ${p.inFlight}` };
        bar.update(last);
      },
    });
  } catch (err) {
    if (!(err instanceof BenchError)) throw err;
    console.error(`relais bench: ${err.message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (showBar) bar.finish({ ...last, done: interrupt.signal.aborted ? last.done : last.total });
  console.log(fullReport(result, metric, stat));
  const written: string[] = [];
  if (v.out) {
    writeFileSync(v.out, JSON.stringify(result));
    written.push(v.out);
  }
  if (v.csv) {
    writeFileSync(v.csv, cellsCsv(result));
    written.push(v.csv);
  }
  if (v['samples-csv']) {
    writeFileSync(v['samples-csv'], samplesCsv(result));
    written.push(v['samples-csv']);
  }
  if (v.html) {
    writeFileSync(v.html, htmlReport(result));
    written.push(v.html);
  }
  if (written.length > 0) console.log(`\nwrote ${written.join(', ')}`);
  // Exit 1 only when nothing could be measured: n/a cells are results, not failures of the tool.
  return result.cells.some((c) => c.status === 'ok') ? 0 : 1;
}
