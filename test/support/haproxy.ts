// HAProxy (the Debian package) in front of gateway instances: config written to a temporary directory,
// round-robin per request, health checks on /health/ready, retries on another instance for connection
// failures and a draining instance's 503 — the set-up docs/deploy.md recommends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

export function haproxyConfig(port: number, servers: readonly number[]): string {
  return `global
  maxconn 4096
  tune.bufsize 65536

defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  timeout http-keep-alive 30s
  # A request refused before it started (connection refused, a draining instance's 503) goes to another instance.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 503

frontend relais
  bind 127.0.0.1:${port}
  default_backend gateways
backend gateways
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server inter 300ms fall 2 rise 1
${servers.map((p, i) => `  server g${i} 127.0.0.1:${p} check`).join('\n')}
`;
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
