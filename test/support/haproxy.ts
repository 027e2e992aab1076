// HAProxy (the Debian package) in front of gateway instances, with the configuration Relais ships
// (deploy/haproxy/haproxy.cfg) written to a temporary directory: round-robin per request, health checks
// on /health/ready, retries on another instance for connection failures and a draining instance's 503.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export const HAPROXY = process.env.RELAIS_TEST_HAPROXY ?? '/usr/sbin/haproxy';

export interface Haproxy {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly config: string;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** deploy/haproxy/haproxy.cfg, the shipped example, bound to `port` in front of the instances at `servers`. */
export function haproxyConfig(port: number, servers: readonly number[]): string {
  const shipped = readFileSync(new URL('../../deploy/haproxy/haproxy.cfg', import.meta.url), 'utf8');
  const lines = shipped.split('\n').filter((l) => !/^\s*server /.test(l));
  return (
    lines
      .join('\n')
      .replace(/^(\s*)bind :8080$/m, `$1bind 127.0.0.1:${port}`)
      // Within the file-descriptor limit of a test process.
      .replace(/^(\s*)maxconn \d+$/m, '$1maxconn 4096')
      // Quicker checks than in production, so that a test sees an instance go and come back in a second.
      .replace(/^(\s*)default-server .*$/m, '$1default-server inter 300ms fall 2 rise 1')
      .trimEnd() +
    '\n' +
    servers.map((p, i) => `  server g${i} 127.0.0.1:${p} check`).join('\n') +
    '\n'
  );
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startHaproxy(servers: readonly number[]): Promise<Haproxy> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'relais-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, servers));
  const proc = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const s of [proc.stdout, proc.stderr]) s.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const started = Date.now();
  while (!(await listening(port))) {
    if (proc.exitCode !== null) throw new Error(`haproxy exited with ${proc.exitCode}:\n${lines.join('\n')}`);
    if (Date.now() - started > 10_000) throw new Error(`haproxy did not listen on ${port}:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    config,
    lines,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
