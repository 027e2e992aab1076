// relais CLI: one file per command; each exports run(argv) → exit code.
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  serve: { summary: 'run the gateway (relais serve --config relais.yaml | --demo)', load: () => import('./serve.js') },
  keys: { summary: 'API keys: create (--name N --budget B --rpm R ...), list, show, update, revoke', load: () => import('./keys.js') },
  users: { summary: 'users: create (--name N --team T --budget B ...), list, show, update, delete; keys USER list|create|revoke', load: () => import('./users.js') },
  teams: { summary: 'teams: create (--name N --budget B --policy-max-keys K ...), list, show, update, delete', load: () => import('./teams.js') },
  usage: { summary: 'usage report (relais usage --by key|model|day --from --to [--csv]); raw records: relais usage export', load: () => import('./usage.js') },
  models: { summary: 'GGUF models: list, inspect FILE [--json], pull hf:OWNER/REPO/FILE.gguf', load: () => import('./models.js') },
  sim: { summary: 'simulated vLLM replicas over HTTP, or a virtual-time fleet simulation (relais sim run)', load: () => import('./sim.js') },
  plan: { summary: 'capacity planning: memory, speed, users served, cost (relais plan --model M --users N)', load: () => import('./plan.js') },
  bench: { summary: 'load benchmark of an OpenAI-compatible endpoint (relais bench --url URL)', load: () => import('./bench.js') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `relais — self-hosted LLM gateway and toolkit\n\nUsage: relais <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'relais <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { version } = await import('./version.js');
    console.log(version);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`relais: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`relais: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
