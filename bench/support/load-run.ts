// Runs the load generator (bench/support/loadgen.ts) as its own process and reads its result; reads a
// process's CPU time. Shared by bench:overhead and bench:scaleout.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const loadgen = fileURLToPath(new URL('loadgen.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  count: number;
  errors: number;
}

export interface LoadRun {
  readonly url: string;
  readonly stream: boolean;
  readonly seconds: number;
  readonly concurrency: number;
  /** Paced at this rate instead of a closed loop. */
  readonly rate?: number | undefined;
  /** An API key sent as Bearer. */
  readonly key?: string | undefined;
}

export function runLoad(o: LoadRun): Promise<LoadResult> {
  const args = [o.url, o.stream ? '1' : '0', String(o.seconds), String(o.concurrency), ...(o.rate ? [String(o.rate)] : [])];
  const env = o.key ? { ...process.env, RELAIS_BENCH_KEY: o.key } : process.env;
  const child = spawn(process.execPath, ['--import', tsx, loadgen, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
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

/** CPU seconds (user + system) a process has used, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
