// Starts `relais serve` as a real child process on a free loopback port and waits until it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'src/cli/main.ts');
// Absolute, so that child processes started in a temporary directory still find the loader.
const tsx = import.meta.resolve('tsx');

export interface GatewayProcess {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** Every line the process wrote to stdout and stderr. */
  readonly lines: string[];
  readonly dir: string;
  /** Sends a signal and waits for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited by itself. */
  exited: Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  args?: string[];
  timeoutMs?: number;
}

/** Runs the CLI with arguments and collects its output (for commands that exit). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', tsx, cli, ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`relais ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function writeConfig(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'relais-test-'));
  const file = join(dir, 'relais.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

export async function startGateway(yaml: string, opts: StartOptions = {}): Promise<GatewayProcess> {
  const { dir, file } = writeConfig(yaml);
  const proc = spawn(process.execPath, ['--import', tsx, cli, 'serve', '--config', file, '--listen', '127.0.0.1:0', ...(opts.args ?? [])], {
    cwd: dir,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${lines.join('\n')}`)), opts.timeoutMs ?? 30_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (line.includes('"event":"listening"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    lines,
    dir,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}

/** relais.yaml with `head` (other settings, one per line) and one model `m` on backend `a`, a vLLM-like engine at `engineUrl`. */
export function oneModelYaml(engineUrl: string, head = 'log_level: warn'): string {
  return `${head}
backends:
  a: { kind: vllm, url: ${engineUrl} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
`;
}
