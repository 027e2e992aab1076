// relais keys create|list|show|update|revoke — on the store directly, or on a gateway with --url --admin-key.
import { parseArgs } from 'node:util';
import { CliError, openTarget, type Json } from './admin-target.js';
import { table } from './table.js';
import { withFlagNames } from './flag-names.js';
import { list, numberish } from './flag-values.js';

const help = `Usage: relais keys <create|list|show|update|revoke> [ID] [options]

  create --name NAME [settings]     create a key; prints the secret once
  list                              all keys
  show ID                           one key
  update ID [settings]              change settings (a limit set to 'none' is removed)
  revoke ID                         revoke at once (other gateway instances within access.refresh_ms)

Settings:
  --name NAME            --models a,b*          --zones local,eu | any
  --budget N             --period daily|weekly|monthly|none
  --rpm N                --tpm N                --concurrency N
  --expires DATE         --user ID              --team ID
  --priority interactive|batch                  --logging none|metadata|full
  --retention DAYS       --admin                --no-admin
  --no-store-responses   (keep no Responses API responses for this key)   --store-responses

Target (default: the store of --config, $RELAIS_CONFIG or ./relais.yaml):
  --config FILE          --url URL --admin-key KEY (or $RELAIS_ADMIN_KEY)
  --json                 print JSON
`;

const options = {
  config: { type: 'string' }, url: { type: 'string' }, 'admin-key': { type: 'string' }, json: { type: 'boolean' },
  name: { type: 'string' }, models: { type: 'string' }, zones: { type: 'string' }, budget: { type: 'string' },
  period: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' }, concurrency: { type: 'string' },
  expires: { type: 'string' }, user: { type: 'string' }, team: { type: 'string' }, priority: { type: 'string' },
  logging: { type: 'string' }, retention: { type: 'string' }, admin: { type: 'boolean' }, 'no-admin': { type: 'boolean' },
  'store-responses': { type: 'boolean' }, 'no-store-responses': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** The key fields the flags set: errors from the admin API name the flag. */
const flagOf: Record<string, string> = {
  name: '--name', models: '--models', zones: '--zones', budget_period: '--period', budget: '--budget', rpm: '--rpm', tpm: '--tpm',
  concurrency: '--concurrency', expires_at: '--expires', user_id: '--user', team_id: '--team', priority: '--priority',
  logging: '--logging', log_retention_days: '--retention', admin: '--admin', store_responses: '--store-responses',
};

export function settingsFrom(v: Values): Json {
  const b: Json = {};
  if (v.name !== undefined) b.name = v.name;
  if (v.models !== undefined) b.models = list(v.models);
  if (v.zones !== undefined) b.zones = list(v.zones);
  if (v.budget !== undefined) b.budget = numberish(v.budget);
  if (v.period !== undefined) b.budget_period = v.period;
  if (v.rpm !== undefined) b.rpm = numberish(v.rpm);
  if (v.tpm !== undefined) b.tpm = numberish(v.tpm);
  if (v.concurrency !== undefined) b.concurrency = numberish(v.concurrency);
  if (v.expires !== undefined) b.expires_at = v.expires === 'none' ? null : v.expires;
  if (v.user !== undefined) b.user_id = v.user === 'none' ? null : v.user;
  if (v.team !== undefined) b.team_id = v.team === 'none' ? null : v.team;
  if (v.priority !== undefined) b.priority = v.priority;
  if (v.logging !== undefined) b.logging = v.logging;
  if (v.retention !== undefined) b.log_retention_days = numberish(v.retention);
  if (v.admin) b.admin = true;
  if (v['no-admin']) b.admin = false;
  if (v['store-responses']) b.store_responses = true;
  if (v['no-store-responses']) b.store_responses = false;
  return b;
}

const show = (v: unknown): string => (v === null || v === undefined ? '-' : Array.isArray(v) ? (v.length ? v.join(',') : '*') : String(v));

function describeKey(k: Json): string {
  return Object.entries(k)
    .filter(([name]) => name !== 'key')
    .map(([name, value]) => `  ${name.padEnd(20)} ${typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : show(value)}`)
    .join('\n');
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`relais keys: ${err instanceof Error ? err.message : String(err)}\n\n${help}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [command, id] = positionals;
  if (v.help || !command) {
    console.log(help);
    return command || v.help ? 0 : 2;
  }
  const needsId = command === 'show' || command === 'update' || command === 'revoke';
  if (needsId && !id) {
    console.error(`relais keys ${command}: missing key id`);
    return 2;
  }
  if (!['create', 'list', 'show', 'update', 'revoke'].includes(command)) {
    console.error(`relais keys: unknown command '${command}'\n\n${help}`);
    return 2;
  }
  const target = await openTarget({ config: v.config, url: v.url, adminKey: v['admin-key'] });
  try {
    const out = (value: Json | Json[], text: string): void => console.log(v.json ? JSON.stringify(value, null, 2) : text);
    switch (command) {
      case 'create': {
        const k = await target.createKey(settingsFrom(v));
        out(k, `Created key ${show(k.id)} (${show(k.name)}):\n\n  ${show(k.key)}\n\nStore it now: it is shown only this once.\n\n${describeKey(k)}`);
        break;
      }
      case 'list': {
        const keys = await target.listKeys();
        out(keys, table(['ID', 'NAME', 'PREFIX', 'STATUS', 'MODELS', 'BUDGET', 'RPM', 'TPM', 'CONC', 'ZONES'], keys.map((k) => [
          show(k.id), show(k.name), show(k.prefix), show(k.status), show(k.models),
          k.budget === null ? '-' : `${show(k.budget)}/${show(k.budget_period)}`, show(k.rpm), show(k.tpm), show(k.concurrency), show(k.zones),
        ])));
        break;
      }
      case 'show': {
        const k = await target.getKey(id as string);
        out(k, describeKey(k));
        break;
      }
      case 'update': {
        const k = await target.updateKey(id as string, settingsFrom(v));
        out(k, `Updated key ${show(k.id)}:\n${describeKey(k)}`);
        break;
      }
      case 'revoke': {
        const k = await target.revokeKey(id as string);
        out(k, `Revoked key ${show(k.id)} (${show(k.name)}) at ${show(k.revoked_at)}.`);
        break;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`relais keys ${command}: ${withFlagNames(err.message, flagOf)}`);
      return 1;
    }
    throw err;
  } finally {
    await target.close();
  }
}
