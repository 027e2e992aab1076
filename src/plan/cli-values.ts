// Parsing of `relais plan` option values, with errors that name the option.

export function parsePositiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`--${name} must be a positive integer, got '${v}'`);
  return Number(v);
}

export function parsePositive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got '${v}'`);
  return n;
}

/** Seconds from '1s', '500ms', '0.5' (seconds). */
export function parseDuration(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  if (!m) throw new Error(`--${name} must be a duration like 1s, 500ms or 0.5, got '${v}'`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : n;
}

export function parseChoice<T extends string>(name: string, v: string | undefined, choices: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw new Error(`--${name} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

/** '1,2,4' → [1, 2, 4]. */
export function parseIntList(name: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((s) => {
    const n = parsePositiveInt(name, s.trim());
    if (n === undefined) throw new Error(`--${name}: empty item`);
    return n;
  });
}

/** 'on' | 'off' → boolean. */
export function parseOnOff(name: string, v: string | undefined): boolean | undefined {
  const c = parseChoice(name, v, ['on', 'off'] as const);
  return c === undefined ? undefined : c === 'on';
}

/** '2x', '2', '1.5x' or '+50%' → the factor to scale a measured load by. */
export function parseGrowth(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  const pctMatch = /^\+(\d+(?:\.\d+)?)%$/.exec(t);
  const n = pctMatch ? 1 + Number(pctMatch[1]) / 100 : /^\d+(?:\.\d+)?x?$/.test(t) ? Number(t.replace(/x$/, '')) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw new Error(`--growth must be a factor like 2x, 1.5 or +50%, got '${v}'`);
  return n;
}
