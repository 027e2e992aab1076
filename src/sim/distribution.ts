// Length and time distributions written as short strings, the same in CLI flags and workload files:
//   "256" or "fixed:256"      always 256
//   "uniform:64:512"          uniform integer in [64, 512]
//   "normal:256:64"           normal(mean 256, sd 64), clipped at 1
//   "lognormal:256:0.5"       log-normal with median 256 and log-sd 0.5
//   "exp:5"                   exponential with mean 5
import { exponential, gaussian, type Rng } from '../random/seeded-rng.js';

export interface Distribution {
  readonly text: string;
  readonly mean: number;
  sample(rng: Rng): number;
}

export function parseDistribution(spec: string | number, what = 'distribution'): Distribution {
  const text = String(spec).trim();
  const parts = text.split(':');
  const kind = parts.length === 1 ? 'fixed' : parts[0]!;
  const nums = (parts.length === 1 ? parts : parts.slice(1)).map(Number);
  const bad = (why: string): Error => new Error(`bad ${what} '${text}': ${why}`);
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw bad('numbers must be finite and >= 0');
  const [a = NaN, b = NaN] = nums;
  const arity = (n: number): void => {
    if (nums.length !== n) throw bad(`${kind} takes ${n} number${n > 1 ? 's' : ''}`);
  };
  switch (kind) {
    case 'fixed':
      arity(1);
      return { text, mean: a, sample: () => a };
    case 'uniform':
      arity(2);
      if (b < a) throw bad('max < min');
      return { text, mean: (a + b) / 2, sample: (r) => a + Math.floor(r() * (b - a + 1)) };
    case 'normal':
      arity(2);
      return { text, mean: a, sample: (r) => Math.max(1, Math.round(a + b * gaussian(r))) };
    case 'lognormal':
      arity(2);
      if (a <= 0) throw bad('median must be > 0');
      return { text, mean: a * Math.exp((b * b) / 2), sample: (r) => Math.max(1, Math.round(a * Math.exp(b * gaussian(r)))) };
    case 'exp':
      arity(1);
      return { text, mean: a, sample: (r) => exponential(r, a) };
    default:
      throw bad(`unknown kind '${kind}' (fixed, uniform, normal, lognormal, exp)`);
  }
}
