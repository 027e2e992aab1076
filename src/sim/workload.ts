// Workload files for the virtual-time simulator (YAML or JSON; see docs/sim.md for the format).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDistribution, type Distribution } from './distribution.js';

const dist = z.union([z.string(), z.number()]);

const schema = z
  .object({
    seed: z.number().int().default(1),
    /** Requests (turns) to send in total. */
    requests: z.number().int().positive(),
    /** Stop starting new conversations after this many simulated seconds. */
    duration: z.number().positive().optional(),
    arrival: z.union([
      z.object({ rate: z.number().positive() }).strict(),
      z.object({ concurrency: z.number().int().positive() }).strict(),
    ]),
    prompt: dist,
    output: dist,
    prefix: z
      .object({
        groups: z.number().int().positive(),
        tokens: z.number().int().nonnegative(),
        fraction: z.number().min(0).max(1).default(1),
      })
      .strict()
      .optional(),
    turns: dist.default(1),
    think: dist.default(0),
  })
  .strict();

export interface Workload {
  readonly seed: number;
  readonly requests: number;
  readonly duration: number | undefined;
  /** Poisson arrivals of conversations per second, or a closed loop of this many users. */
  readonly rate: number | undefined;
  readonly concurrency: number | undefined;
  readonly prompt: Distribution;
  readonly output: Distribution;
  readonly prefix: { readonly groups: number; readonly tokens: number; readonly fraction: number } | undefined;
  readonly turns: Distribution;
  readonly think: Distribution;
}

export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

export function parseWorkload(raw: unknown, source = 'workload'): Workload {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new WorkloadError(`invalid ${source}:\n${lines.join('\n')}`);
  }
  const w = r.data;
  const d = (v: string | number, field: string): Distribution => {
    try {
      return parseDistribution(v, field);
    } catch (err) {
      throw new WorkloadError(`invalid ${source}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    seed: w.seed,
    requests: w.requests,
    duration: w.duration,
    rate: 'rate' in w.arrival ? w.arrival.rate : undefined,
    concurrency: 'concurrency' in w.arrival ? w.arrival.concurrency : undefined,
    prompt: d(w.prompt, 'prompt'),
    output: d(w.output, 'output'),
    prefix: w.prefix,
    turns: d(w.turns, 'turns'),
    think: d(w.think, 'think'),
  };
}

export function loadWorkload(file: string): Workload {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WorkloadError(`cannot read workload ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseWorkload(raw, `workload ${file}`);
}
