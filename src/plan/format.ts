// Human-readable output for `relais plan`: one evaluation, or the ranked recommendations.
import { latencyRange, speedRange } from '../perfmodel/index.js';
import type { Evaluation } from './evaluate.js';
import type { Recommendations } from './recommend.js';
import { unverifiedValues } from './unverified.js';

const GiB = 1024 ** 3;
const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '∞');
/** "lo–hi" of a range. */
const fr = (r: [number, number], d = 1): string => `${f(r[0], d)}–${f(r[1], d)}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
}

export function formatEvaluation(e: Evaluation): string[] {
  const c = e.input;
  const u = e.uncertainty;
  const out = [
    `${c.model.id} on ${c.gpus} × ${c.gpu.id} (${e.replicas} replica(s) of ${c.tp}), ${c.engine}, ${c.quant.id}, context ${c.workload.context}`,
    `  fits: ${e.fits ? 'yes' : `NO — ${e.notFitReason ?? ''}`}`,
    `  weights ${f(e.replica.weightsBytes / GiB, 2)} GiB, KV ${e.kvBytesPerToken} bytes/token (${f(e.kvBytesPerRequest / GiB, 2)} GiB per ${c.workload.context}-token request)`,
  ];
  if (!e.fits) return out;
  out.push(
    `  KV cache: ${e.kvTokensPerReplica} tokens per replica → ${e.maxConcurrentAtContext} requests at full context`,
    `  one user: ${f(e.single.perUserTokPerSec)} tok/s (${fr(speedRange(e.single.perUserTokPerSec, u))}), TTFT ${f(e.single.idleTtftSec, 2)} s (${fr(latencyRange(e.single.idleTtftSec, u), 2)}) for ${c.workload.promptTokens} prompt tokens`,
    `  ${c.users} users: ${f(e.atUsers.perUserTokPerSec)} tok/s each (${fr(speedRange(e.atUsers.perUserTokPerSec, u))}), TTFT ${f(e.atUsers.ttftSec, 2)} s (${fr(latencyRange(e.atUsers.ttftSec, u), 2)}), request ${f(e.atUsers.e2eSec, 1)} s (${fr(latencyRange(e.atUsers.e2eSec, u))}), ${f(e.outputTokPerSec, 0)} tok/s total (${fr(speedRange(e.outputTokPerSec, u), 0)})${e.atUsers.queued > 0 ? `, ${e.atUsers.queued * e.replicas} queued (${e.atUsers.limitedBy})` : ''}`,
    `  users served at ≥ ${c.workload.minTps} tok/s and TTFT ≤ ${c.workload.maxTtftSec} s: ${e.usersServed} (${e.usersServedRange[0]}–${e.usersServedRange[1]}) — targets ${e.meetsTargets ? (e.insideNoise ? 'met, but inside the noise (not at the pessimistic end)' : 'met') : 'NOT met'} for ${c.users}`,
    `  ranges are p10–p90: ${u.source}`,
  );
  const p = e.placement;
  if (p) {
    out.push(`  hosts: ${p.hosts} × ${p.host.id} (${p.host.name})${c.tp > 1 && c.engine !== 'llamacpp' ? `; tensor parallelism over ${e.replica.link.description}` : ''}`);
  }
  out.push(...costLines(e));
  out.push(`  ${e.calibrated ? 'uses your calibration' : `efficiency: ${e.replica.efficiency.source}`}`);
  const unverified = unverifiedValues(e);
  if (unverified.length > 0) out.push(`  unverified catalog values: ${unverified.join(', ')}`);
  return out;
}

export function formatRecommendations(r: Recommendations, users: number, pricing: 'buy' | 'rent' = 'buy'): string[] {
  if (r.ranked.length === 0) {
    return [`no configuration of up to the allowed GPU count meets the targets for ${users} users (${r.considered} considered)`, ...excludedNotes(r)];
  }
  const rows = [['gpu × count', 'hosts', 'replicas', 'engine', 'quant', 'users (range)', 'tok/s/user', 'TTFT s', 'buy €/mo', 'rent €/mo', 'break-even', '€/M tok']];
  for (const e of r.ranked) {
    const c = e.input;
    const p = e.placement;
    const rent = e.costs.rent?.best;
    rows.push([
      `${e.insideNoise ? '~ ' : ''}${c.gpus} × ${c.gpu.id}`, p ? `${p.hosts} × ${p.host.id}` : '–', `${e.replicas}×tp${c.tp}`, c.engine, c.quant.id,
      `${e.usersServed} (${e.usersServedRange[0]}–${e.usersServedRange[1]})`, f(e.atUsers.perUserTokPerSec),
      f(e.atUsers.ttftSec, 2), e.costs.buy ? f(e.costs.buy.totalEurMonth, 0) : '–', rent ? `${f(rent.eurMonth, 0)}${rent.kind === 'reserved' ? ' R' : ''}` : '–',
      breakEvenCell(e), f(e.eurPerMillionTokens ?? Infinity, 3),
    ]);
  }
  const out = table(rows);
  const h = r.ranked[0]!.costs.hours;
  out.push(
    '',
    `users = most simultaneous users meeting the targets (p10–p90 range); tok/s/user and TTFT at ${users} users.`,
    `buy = (GPUs + hosts) / 36 months + power; rent = on demand for ${h.hoursPerDay} h/day × ${h.daysPerWeek} days/week, or reserved (R) for the whole month when cheaper; ranked by ${pricing}.`,
    `break-even = hours of use a day (at ${h.daysPerWeek} days/week) above which buying costs less than renting on demand.`,
  );
  out.push(...noiseNotes(r, users));
  if (r.unpriced.length > 0) out.push(`meet the targets but not ranked (no ${pricing === 'rent' ? 'rental' : 'purchase'} price in the catalog): ${r.unpriced.join(', ')}`);
  out.push(...excludedNotes(r));
  return out;
}

function breakEvenCell(e: Evaluation): string {
  const b = e.costs.breakEven;
  if (!b) return '–';
  if (b.utilisation === null) return 'never';
  return b.hoursPerDay === null ? `${f(b.utilisation * 100, 0)}%` : `${f(b.hoursPerDay)} h/d`;
}

/** Which segments were left out and why. */
function excludedNotes(r: Recommendations): string[] {
  return r.excluded.map((x) => `not considered: ${x.segment} GPUs (${x.gpus.join(', ')}) — ${x.reason}; --allow ${x.segment},… to include them.`);
}

/** Buy, rent and break-even at the hours of use, in one or two lines. */
function costLines(e: Evaluation): string[] {
  const { hours, buy, rent, breakEven } = e.costs;
  const parts: string[] = [];
  if (buy) parts.push(`buy ${f(buy.totalEurMonth, 0)} €/month (purchase ${f(buy.purchaseEur, 0)} € with hosts, over 36 months, + power)`);
  if (rent) parts.push(`rent ${f(rent.best.eurMonth, 0)} €/month (${rent.best.kind}, ${rent.best.offer.provider})`);
  if (parts.length === 0) return [];
  const out = [`  cost at ${hours.hoursPerDay} h/day × ${hours.daysPerWeek} days/week: ${parts.join('; ')}`];
  if (breakEven) out.push(`  break-even: ${breakEvenCell(e)}${e.eurPerMillionTokens !== undefined ? `; ${f(e.eurPerMillionTokens, 3)} €/M tokens, ${f(e.tokPerSecPerWatt, 2)} tok/s/W` : ''}`);
  return out;
}

/** What the uncertainty means for the choice: marginal configurations, and a first place the noise could swap. */
function noiseNotes(r: Recommendations, users: number): string[] {
  const notes: string[] = [];
  if (r.ranked.some((e) => e.insideNoise)) {
    notes.push(`~ meets the targets for ${users} users as predicted, but not at the pessimistic end of the range: inside the noise — add a GPU or calibrate (relais plan calibrate) before buying.`);
  }
  const [first, second] = r.ranked;
  const sameHardware = first && second && first.input.gpu.id === second.input.gpu.id && first.input.gpus === second.input.gpus;
  if (first && second && first.cost && second.cost && !sameHardware) {
    const gap = second.cost.totalEurMonth / first.cost.totalEurMonth - 1;
    const overlap = second.usersServedRange[0] <= first.usersServedRange[1] && first.usersServedRange[0] <= second.usersServedRange[1];
    if (gap < 0.1 && overlap) {
      notes.push(`the first two choices cost within ${(gap * 100).toFixed(0)}% of each other and their user ranges overlap: the ranking between them is inside the noise.`);
    }
  }
  return notes;
}
