// Human-readable output for `relais plan`: one evaluation, or the ranked recommendations.
import { latencyRange, speedRange } from '../perfmodel/index.js';
import type { Evaluation } from './evaluate.js';
import type { Recommendations } from './recommend.js';

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
  if (e.cost) {
    out.push(`  cost: ${f(e.cost.totalEurMonth, 0)} €/month (${e.cost.pricing === 'buy' ? `purchase ${f(e.cost.purchaseEur ?? 0, 0)} € over 36 months + power` : 'rental'}), ${f(e.eurPerMillionTokens ?? Infinity, 3)} €/M tokens, ${f(e.tokPerSecPerWatt, 2)} tok/s/W`);
  }
  out.push(`  ${e.calibrated ? 'uses your calibration' : `efficiency: ${e.replica.efficiency.source}`}`);
  const unverified = [...(c.gpu.unverified ?? []).map((x) => `gpu.${x}`), ...(c.model.unverified ?? []).map((x) => `model.${x}`)];
  if (unverified.length > 0) out.push(`  unverified catalog values: ${unverified.join(', ')}`);
  return out;
}

export function formatRecommendations(r: Recommendations, users: number, pricing: 'buy' | 'rent' = 'buy'): string[] {
  if (r.ranked.length === 0) {
    return [`no configuration of up to the allowed GPU count meets the targets for ${users} users (${r.considered} considered)`];
  }
  const rows = [['gpu × count', 'replicas', 'engine', 'quant', 'users (range)', 'tok/s/user', 'TTFT s', '€/month', '€/M tok', 'tok/s/W', 'tok/s/€']];
  for (const e of r.ranked) {
    const c = e.input;
    rows.push([
      `${e.insideNoise ? '~ ' : ''}${c.gpus} × ${c.gpu.id}`, `${e.replicas}×tp${c.tp}`, c.engine, c.quant.id,
      `${e.usersServed} (${e.usersServedRange[0]}–${e.usersServedRange[1]})`, f(e.atUsers.perUserTokPerSec),
      f(e.atUsers.ttftSec, 2), f(e.cost?.totalEurMonth ?? Infinity, 0), f(e.eurPerMillionTokens ?? Infinity, 3), f(e.tokPerSecPerWatt, 2),
      f(e.tokPerSecPerEurMonth ?? 0, 2),
    ]);
  }
  const out = table(rows);
  out.push('', `users = most simultaneous users meeting the targets (p10–p90 range); tok/s/user and TTFT at ${users} users; €/month = purchase / 36 + power, or rent.`);
  out.push(...noiseNotes(r, users));
  if (r.unpriced.length > 0) out.push(`meet the targets but not ranked (no ${pricing === 'rent' ? 'rental' : 'purchase'} price in the catalog): ${r.unpriced.join(', ')}`);
  return out;
}

/** What the uncertainty means for the choice: marginal configurations, and a first place the noise could swap. */
function noiseNotes(r: Recommendations, users: number): string[] {
  const notes: string[] = [];
  if (r.ranked.some((e) => e.insideNoise)) {
    notes.push(`~ meets the targets for ${users} users as predicted, but not at the pessimistic end of the range: inside the noise — add a GPU or calibrate (relais plan calibrate) before buying.`);
  }
  const [first, second] = r.ranked;
  if (first && second && first.cost && second.cost) {
    const gap = second.cost.totalEurMonth / first.cost.totalEurMonth - 1;
    const overlap = second.usersServedRange[0] <= first.usersServedRange[1] && first.usersServedRange[0] <= second.usersServedRange[1];
    if (gap < 0.1 && overlap) {
      notes.push(`the first two choices cost within ${(gap * 100).toFixed(0)}% of each other and their user ranges overlap: the ranking between them is inside the noise.`);
    }
  }
  return notes;
}
