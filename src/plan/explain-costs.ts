// `--explain`, cost part: buying (GPUs, hosts, power by hours of use), renting (on demand, reserved, spot) and
// the break-even utilisation between them, each with the numbers used.
import { AMORTISATION_MONTHS, GPU_IDLE_SHARE, HOURS_PER_MONTH, type RentQuote } from './costs.js';
import type { Evaluation } from './evaluate.js';

const eur = (x: number): string => `${x.toFixed(0)} €`;
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

function rentLine(label: string, q: RentQuote, gpus: number, hours: number): string {
  const o = q.offer;
  return `  rent ${label}: ${gpus} × ${o.eurPerGpuHour.toFixed(3)} €/GPU/h × ${hours.toFixed(0)} h = ${eur(q.eurMonth)}/month `
    + `(${o.provider} ${o.product}, ${o.quoted}, read ${o.seen}${o.term ? `, term ${o.term}` : ''}${o.unverified?.length ? ', unverified' : ''}; ${o.source})`;
}

export function explainCosts(e: Evaluation): string[] {
  const c = e.input;
  const { hours, buy, rent, breakEven } = e.costs;
  const out = [`Cost (used ${hours.hoursPerDay} h/day × ${hours.daysPerWeek} days/week = ${hours.perMonth.toFixed(0)} h/month, ${pct(hours.utilisation)} of ${HOURS_PER_MONTH} h)`];
  const line = (s: string): void => {
    out.push(s);
  };
  if (buy) {
    const p = e.placement;
    const hosts = p && p.host.priceEur > 0 ? ` + hosts ${p.hosts} × ${p.host.priceEur} € (${p.host.id})` : '';
    line(`  buy: GPUs ${c.gpus} × ${c.gpu.priceEur ?? 0} €${hosts} = ${eur(buy.purchaseEur)} / ${AMORTISATION_MONTHS} months = ${eur(buy.amortisedEurMonth)}/month`);
    const idleH = HOURS_PER_MONTH - hours.perMonth;
    line(`    GPU power: ${c.gpus} × ${c.gpu.tdpW} W × (${c.costs.powerShare} × ${hours.perMonth.toFixed(0)} h in use + ${GPU_IDLE_SHARE} × ${idleH.toFixed(0)} h idle) × ${c.costs.eurPerKwh} €/kWh = ${eur(buy.gpuPowerEurMonth)}/month`);
    if (p && p.host.idleW > 0) {
      line(`    host power: ${p.hosts} × ${p.host.idleW} W × ${HOURS_PER_MONTH} h × ${c.costs.eurPerKwh} €/kWh = ${eur(buy.hostPowerEurMonth)}/month`);
    }
    line(`    = ${eur(buy.totalEurMonth)}/month`);
  } else {
    line(`  buy: no purchase price for ${c.gpu.id} in the catalog`);
  }
  if (rent?.onDemand) line(rentLine('on demand', rent.onDemand, c.gpus, hours.perMonth));
  if (rent?.reserved) line(rentLine('reserved (paid every hour)', rent.reserved, c.gpus, HOURS_PER_MONTH));
  if (rent?.spot) line(`${rentLine('spot', rent.spot, c.gpus, hours.perMonth)} — interruptible, never ranked`);
  if (!rent) line(`  rent: no rental price for ${c.gpu.id} in the catalog`);
  if (breakEven) {
    line(breakEven.utilisation === null
      ? '  break-even: renting on demand costs less than buying even around the clock'
      : `  break-even: buying costs less than renting on demand above ${pct(breakEven.utilisation)} of the month`
        + (breakEven.hoursPerDay === null ? ` (more than 24 h/day at ${hours.daysPerWeek} days/week)` : ` (${breakEven.hoursPerDay.toFixed(1)} h/day at ${hours.daysPerWeek} days/week)`));
  }
  const cost = e.cost;
  if (cost && e.eurPerMillionTokens !== undefined) {
    line(`  ranked by ${cost.pricing}: ${eur(cost.totalEurMonth)}/month / (${e.outputTokPerSec.toFixed(0)} tok/s × ${hours.perMonth.toFixed(0)} h × 3600 s) = ${e.eurPerMillionTokens.toFixed(3)} € per million output tokens at this load`);
  }
  return out;
}
