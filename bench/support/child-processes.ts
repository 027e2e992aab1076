// Child processes of a benchmark (upstreams, gateways, load generators): free ports, started until
// they print a ready line, all killed when the benchmark exits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const tsx = import.meta.resolve('tsx');
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** `node --import tsx ARGS…`, resolved once its stdout shows `readyText`; killed when this process exits. */
export function startChild(args: string[], readyText: string, o: { nofile?: number } = {}): Promise<ChildProcess> {
  return startProcess([process.execPath, '--import', tsx, ...args], readyText, o);
}

/** The open-file limit a child may be given: this process's hard limit, or more when it may raise it (root). */
export function maxNofile(want: number): number {
  try {
    execFileSync('/bin/sh', ['-c', `ulimit -n ${want}`], { stdio: 'ignore' });
    return want;
  } catch {
    return Number(execFileSync('/bin/sh', ['-c', 'ulimit -Hn']).toString().trim()) || 1024;
  }
}

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Any command line, resolved once its stdout shows `readyText`. `nofile` raises the child's open-file
 * limit (a shell's `ulimit -n`, so the soft and hard limits of this process do not bound it).
 */
export function startProcess([command, ...args]: string[], readyText: string, o: { env?: NodeJS.ProcessEnv; nofile?: number; quiet?: boolean } = {}): Promise<ChildProcess> {
  const argv = o.nofile ? ['/bin/sh', '-c', `ulimit -n ${o.nofile} && exec "$@"`, 'sh', command ?? process.execPath, ...args] : [command ?? process.execPath, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', o.quiet ? 'ignore' : 'inherit'], env: o.env ?? process.env });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

/** What bench/support/loadgen.ts prints. */
export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  count: number;
  errors: number;
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of a process and its live children (a gateway's cluster workers), in ms. */
export function treeCpuMs(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    // no children file: count the process alone
  }
  return cpuMs(pid) + children.reduce((s, c) => s + treeCpuMs(c), 0);
}

/**
 * Runs the load generator as its own process (closed loop at `concurrency`, or paced at `rate` req/s);
 * `api` picks the request body: chat (default), responses or messages.
 */
export function runLoadgen(
  url: string,
  o: { stream: boolean; seconds: number; concurrency: number; rate?: number | undefined; api?: string; key?: string | undefined; headers?: Record<string, string> | undefined },
): Promise<LoadResult> {
  const script = new URL('./loadgen.ts', import.meta.url).pathname;
  const args = [url, o.stream ? '1' : '0', String(o.seconds), String(o.concurrency), ...(o.rate ? [String(o.rate)] : [])];
  const env = { ...process.env, LOADGEN_API: o.api ?? 'chat', ...(o.key ? { RELAIS_BENCH_KEY: o.key } : {}), ...(o.headers ? { LOADGEN_HEADERS: JSON.stringify(o.headers) } : {}) };
  const child = spawn(process.execPath, ['--import', tsx, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load generator printed: ${out}`));
      }
    });
  });
}
