// Parsing of bench option values: lists, durations, SLOs, warm-up counts. Errors name the option.
import type { Slo } from './run-types.js';

export function parseNumberList(option: string, v: string, integer = true): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))) {
    throw new Error(`--${option}: expected a comma-separated list of positive ${integer ? 'integers' : 'numbers'}, got '${v}'`);
  }
  return out;
}

const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** '500ms', '10s', '2m', '250us'; a bare number is milliseconds. */
export function parseDuration(option: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`--${option}: cannot read duration '${v}' (use e.g. 500ms, 10s, 2m)`);
  return Number(m[1]) * (units[m[2] ?? 'ms'] ?? 1);
}

export function parseSlo(v: string): Slo {
  const slo: Slo = {};
  for (const part of v.split(',')) {
    const [name, value] = part.split('=', 2).map((s) => s.trim());
    if (!value) throw new Error(`--slo: expected name=duration, got '${part}'`);
    const ms = parseDuration('slo', value);
    if (name === 'ttft') slo.ttftMs = ms;
    else if (name === 'tpot') slo.tpotMs = ms;
    else if (name === 'e2e') slo.e2eMs = ms;
    else throw new Error(`--slo: unknown figure '${name}' (ttft, tpot, e2e)`);
  }
  return slo;
}

/** '5' requests or '10%' of the measured requests. */
export function parseWarmup(v: string, requests: number): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v.trim());
  if (pct) return Math.round((Number(pct[1]) / 100) * requests);
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--warmup: expected a count or a percentage, got '${v}'`);
  return n;
}

export function parseChoice<T extends string>(option: string, v: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === v);
  if (found === undefined) throw new Error(`--${option}: expected one of ${choices.join(', ')}, got '${v}'`);
  return found;
}
