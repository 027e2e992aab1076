// relais users|teams create|list|show|update|delete, and relais users keys (a user's own keys within
// the team's key policy) — on the store directly, or on a gateway with --url --admin-key.
import { parseArgs } from 'node:util';
import { CliError, type Json } from './admin-target.js';
import { openIdentityTarget, type IdentityKind } from './identity-target.js';
import { table } from './table.js';
import { list, numberish } from './flag-values.js';

const limitsHelp = `Limits (shared by all the keys of the user or team; 'none' removes one):
  --budget N             --period daily|weekly|monthly|none
  --rpm N                --tpm N                --concurrency N`;

const targetHelp = `Target (default: the store of --config, $RELAIS_CONFIG or ./relais.yaml):
  --config FILE          --url URL --admin-key KEY (or $RELAIS_ADMIN_KEY)
  --json                 print JSON`;

const help: Record<IdentityKind, string> = {
  users: `Usage: relais users <create|list|show|update|delete> [ID] [options]
       relais users keys USER [list | create --name NAME [key settings] | revoke KEY]

  create --name NAME [--email E] [--team ID] [limits]
  update ID [--name N] [--email E] [--team ID|none] [limits]
  keys USER create       a key for the user, within the team's key policy (secret shown once)

${limitsHelp}

Key settings (keys create): --name --models a,b --zones z1,z2 --budget N --expires DATE
  --rpm N --tpm N --concurrency N

${targetHelp}
`,
  teams: `Usage: relais teams <create|list|show|update|delete> [ID] [options]

  create --name NAME [limits] [policy]
  update ID [--name N] [limits] [policy]

${limitsHelp}

Key policy (what members may give the keys they create themselves; any flag sets the whole policy):
  --policy-models a,b*   --policy-zones local,eu | any
  --policy-max-budget N  --policy-period daily|weekly|monthly|none (of members' key budgets)
  --policy-max-keys N    --policy-max-expiry-days N
  --no-policy            (self-service keys off)

${targetHelp}
`,
};

const options = {
  config: { type: 'string' }, url: { type: 'string' }, 'admin-key': { type: 'string' }, json: { type: 'boolean' },
  name: { type: 'string' }, email: { type: 'string' }, team: { type: 'string' },
  budget: { type: 'string' }, period: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' }, concurrency: { type: 'string' },
  models: { type: 'string' }, zones: { type: 'string' }, expires: { type: 'string' },
  'policy-models': { type: 'string' }, 'policy-zones': { type: 'string' }, 'policy-max-budget': { type: 'string' }, 'policy-period': { type: 'string' },
  'policy-max-keys': { type: 'string' }, 'policy-max-expiry-days': { type: 'string' }, 'no-policy': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

const show = (v: unknown): string => (v === null || v === undefined ? '-' : Array.isArray(v) ? (v.length ? v.join(',') : '*') : typeof v === 'object' ? JSON.stringify(v) : String(v));

function limitsFrom(v: Values, b: Json): Json {
  if (v.budget !== undefined) b.budget = numberish(v.budget);
  if (v.period !== undefined) b.budget_period = v.period;
  if (v.rpm !== undefined) b.rpm = numberish(v.rpm);
  if (v.tpm !== undefined) b.tpm = numberish(v.tpm);
  if (v.concurrency !== undefined) b.concurrency = numberish(v.concurrency);
  return b;
}

export function bodyFrom(kind: IdentityKind, v: Values): Json {
  const b: Json = {};
  if (v.name !== undefined) b.name = v.name;
  if (kind === 'users') {
    if (v.email !== undefined) b.email = v.email === 'none' ? null : v.email;
    if (v.team !== undefined) b.team_id = v.team === 'none' ? null : v.team;
  } else if (v['no-policy']) {
    b.key_policy = null;
  } else {
    const p: Json = {};
    if (v['policy-models'] !== undefined) p.models = list(v['policy-models']);
    if (v['policy-zones'] !== undefined) p.zones = list(v['policy-zones']);
    if (v['policy-max-budget'] !== undefined) p.max_budget = numberish(v['policy-max-budget']);
    if (v['policy-period'] !== undefined) p.budget_period = v['policy-period'];
    if (v['policy-max-keys'] !== undefined) p.max_keys_per_user = numberish(v['policy-max-keys']);
    if (v['policy-max-expiry-days'] !== undefined) p.max_expiry_days = numberish(v['policy-max-expiry-days']);
    if (Object.keys(p).length > 0) b.key_policy = p;
  }
  return limitsFrom(v, b);
}

function keyBodyFrom(v: Values): Json {
  const b: Json = {};
  if (v.name !== undefined) b.name = v.name;
  if (v.models !== undefined) b.models = list(v.models);
  if (v.zones !== undefined) b.zones = list(v.zones);
  if (v.expires !== undefined) b.expires_at = v.expires === 'none' ? null : v.expires;
  return limitsFrom(v, b);
}

const describe = (o: Json): string =>
  Object.entries(o).filter(([k]) => k !== 'key').map(([k, value]) => `  ${k.padEnd(20)} ${show(value)}`).join('\n');

export async function runIdentities(kind: IdentityKind, argv: string[]): Promise<number> {
  const one = kind === 'users' ? 'user' : 'team';
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`relais ${kind}: ${err instanceof Error ? err.message : String(err)}\n\n${help[kind]}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [command, id, sub, keyId] = positionals;
  if (v.help || !command) {
    console.log(help[kind]);
    return command || v.help ? 0 : 2;
  }
  const commands = ['create', 'list', 'show', 'update', 'delete', ...(kind === 'users' ? ['keys'] : [])];
  if (!commands.includes(command)) {
    console.error(`relais ${kind}: unknown command '${command}'\n\n${help[kind]}`);
    return 2;
  }
  if (command !== 'create' && command !== 'list' && !id) {
    console.error(`relais ${kind} ${command}: missing ${one} id`);
    return 2;
  }
  const keysCommand = sub ?? 'list';
  if (command === 'keys' && (!['list', 'create', 'revoke'].includes(keysCommand) || (keysCommand === 'revoke' && !keyId))) {
    console.error(`relais users keys: expected 'list', 'create' or 'revoke KEY'\n\n${help[kind]}`);
    return 2;
  }
  const target = await openIdentityTarget({ config: v.config, url: v.url, adminKey: v['admin-key'] });
  const out = (value: Json | Json[], text: string): void => console.log(v.json ? JSON.stringify(value, null, 2) : text);
  try {
    switch (command) {
      case 'create': {
        const r = await target.create(kind, bodyFrom(kind, v));
        out(r, `Created ${one} ${show(r.id)}:\n${describe(r)}`);
        break;
      }
      case 'list': {
        const rows = await target.list(kind);
        out(rows, table(['ID', 'NAME', ...(kind === 'users' ? ['TEAM'] : ['POLICY']), 'BUDGET', 'RPM', 'TPM', 'CONC'], rows.map((r) => [
          show(r.id), show(r.name), kind === 'users' ? show(r.team_id) : r.key_policy ? 'yes' : '-',
          r.budget === null ? '-' : `${show(r.budget)}/${show(r.budget_period)}`, show(r.rpm), show(r.tpm), show(r.concurrency),
        ])));
        break;
      }
      case 'show': {
        const r = await target.get(kind, id as string);
        out(r, describe(r));
        break;
      }
      case 'update': {
        const r = await target.update(kind, id as string, bodyFrom(kind, v));
        out(r, `Updated ${one} ${show(r.id)}:\n${describe(r)}`);
        break;
      }
      case 'delete': {
        const r = await target.remove(kind, id as string);
        out(r, `Deleted ${one} ${id as string}.`);
        break;
      }
      case 'keys': {
        if (keysCommand === 'list') {
          const keys = await target.listUserKeys(id as string);
          out(keys, table(['ID', 'NAME', 'PREFIX', 'STATUS', 'MODELS', 'BUDGET', 'EXPIRES'], keys.map((k) => [
            show(k.id), show(k.name), show(k.prefix), show(k.status), show(k.models), k.budget === null ? '-' : `${show(k.budget)}/${show(k.budget_period)}`, show(k.expires_at),
          ])));
        } else if (keysCommand === 'create') {
          const k = await target.createUserKey(id as string, keyBodyFrom(v));
          out(k, `Created key ${show(k.id)} (${show(k.name)}) for ${id as string}:\n\n  ${show(k.key)}\n\nStore it now: it is shown only this once.\n\n${describe(k)}`);
        } else {
          const k = await target.revokeUserKey(id as string, keyId as string);
          out(k, `Revoked key ${show(k.id)} (${show(k.name)}) of ${id as string}.`);
        }
        break;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`relais ${kind} ${command}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await target.close();
  }
}
