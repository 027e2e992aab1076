// Output length: fixed ('256') or drawn from a distribution ('uniform:64,512', 'normal:256,64', 'exponential:256').
import type { OutputLength } from './run-types.js';
import { gaussian, exponential, type Rng } from '../random/seeded-rng.js';

export function parseOutputLength(spec: string): OutputLength {
  const [kind, args = ''] = spec.includes(':') ? spec.split(':', 2) : ['fixed', spec];
  const nums = args.split(',').map((s) => Number(s.trim()));
  const bad = (): never => {
    throw new Error(`--max-tokens: cannot read '${spec}' (use 256, uniform:64,512, normal:256,64 or exponential:256)`);
  };
  if (nums.some((n) => !Number.isFinite(n) || n <= 0)) bad();
  const [a = 0, b = 0] = nums;
  switch (kind) {
    case 'fixed':
      return nums.length === 1 ? { kind: 'fixed', tokens: Math.round(a) } : bad();
    case 'uniform':
      return nums.length === 2 && a <= b ? { kind: 'uniform', min: Math.round(a), max: Math.round(b) } : bad();
    case 'normal':
      return nums.length === 2 ? { kind: 'normal', mean: a, sd: b } : bad();
    case 'exponential':
      return nums.length === 1 ? { kind: 'exponential', mean: a } : bad();
    default:
      return bad();
  }
}

export function sampleOutputLength(o: OutputLength, rng: Rng): number {
  switch (o.kind) {
    case 'fixed':
      return o.tokens;
    case 'uniform':
      return o.min + Math.floor(rng() * (o.max - o.min + 1));
    case 'normal':
      return Math.max(1, Math.round(o.mean + o.sd * gaussian(rng)));
    case 'exponential':
      return Math.max(1, Math.round(exponential(rng, o.mean)));
  }
}

export function describeOutputLength(o: OutputLength): string {
  switch (o.kind) {
    case 'fixed':
      return String(o.tokens);
    case 'uniform':
      return `uniform ${o.min}–${o.max}`;
    case 'normal':
      return `normal ${o.mean}±${o.sd}`;
    case 'exponential':
      return `exponential mean ${o.mean}`;
  }
}
