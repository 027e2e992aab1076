// Runs a CLI command's `run(argv)` in-process and captures what it prints.
import { mock } from 'node:test';

export interface CliOutput {
  code: number;
  out: string;
  err: string;
}

export async function captureCli(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<CliOutput> {
  const out: string[] = [];
  const err: string[] = [];
  const log = mock.method(console, 'log', (...a: unknown[]) => void out.push(a.join(' ')));
  const error = mock.method(console, 'error', (...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}
