// relais usage [--by key|user|team|model|backend|day] [--from --to] [--key ID] [--csv]
import { parseArgs } from 'node:util';
import { CliError, openTarget } from './admin-target.js';
import { table } from './table.js';
import { withFlagNames } from './flag-names.js';
import { runExport } from './usage-export.js';
import { GatewayError } from '../protocol/errors.js';
import { timeRange } from '../server/admin/time-range.js';
import { groupOf } from '../server/admin/usage.js';

// The admin API's query parameters and the flags that set them: errors name what the user typed.
const flagOf: Record<string, string> = { group_by: '--by', from: '--from', to: '--to' };

/** Checks the flags before any store or gateway is reached; an error names the flag, not the API field. */
function checkFlags(query: URLSearchParams): string | undefined {
  try {
    groupOf(query);
    timeRange(query);
    return undefined;
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return withFlagNames(err.message, flagOf).replace(/^--from must be before to\b/, '--from must be before --to');
  }
}

const help = `Usage: relais usage [--by key|user|team|model|backend|day] [--from DATE] [--to DATE] [--key ID] [--csv | --json]

  --by       grouping (default day)
  --from     first day (YYYY-MM-DD, ISO date-time or epoch ms; default 30 days ago)
  --to       last day, inclusive for a date (default today)
  --key      only this key
  relais usage export --help   raw records (and prompt logs) of a range as JSONL or CSV
  --config FILE | --url URL --admin-key KEY   as for 'relais keys'
`;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'export') return runExport(argv.slice(1));
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        by: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, key: { type: 'string' },
        csv: { type: 'boolean' }, json: { type: 'boolean' }, config: { type: 'string' }, url: { type: 'string' },
        'admin-key': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`relais usage: ${err instanceof Error ? err.message : String(err)}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    console.log(help);
    return 0;
  }
  const query = new URLSearchParams({ group_by: values.by ?? 'day' });
  if (values.from) query.set('from', values.from);
  if (values.to) query.set('to', values.to);
  if (values.key) query.set('key', values.key);
  if (values.csv) query.set('format', 'csv');
  const flagError = checkFlags(query);
  if (flagError !== undefined) {
    console.error(`relais usage: ${flagError}`);
    return 2;
  }
  const target = await openTarget({ config: values.config, url: values.url, adminKey: values['admin-key'] });
  try {
    const rows = await target.usage(query);
    if (typeof rows === 'string') process.stdout.write(rows);
    else if (values.json) console.log(JSON.stringify(rows, null, 2));
    else {
      console.log(table(
        [(values.by ?? 'day').toUpperCase(), 'REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'CACHED', 'COST', 'AVG MS'],
        rows.map((r) => [String(r.group || '-'), String(r.requests), String(r.errors), String(r.prompt_tokens), String(r.completion_tokens), String(r.cached_tokens), String(r.cost), String(r.avg_ms)]),
      ));
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`relais usage: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await target.close();
  }
}
