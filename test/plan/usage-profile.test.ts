// The load profile's arithmetic on a handful of records: requests in flight over time, hours in a time zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadProfiler } from '../../src/plan/usage-profile.js';
import { planFromProfile } from '../../src/plan/usage-plan.js';
import { USE_CASES } from '../../src/plan/use-case.js';
import type { UsageRecord } from '../../src/usage/record.js';

const H = 3_600_000;
const DAY0 = Date.UTC(2025, 0, 6); // a Monday

function rec(id: string, time: number, totalMs: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: id, time, model: 'm', endpoint: 'chat', status: 200, outcome: 'completed', promptTokens: 100, completionTokens: 10,
    cachedTokens: 0, tokensEstimated: false, queueMs: 0, totalMs, stream: true, ...over,
  };
}

test('requests in flight: overlaps, a request running into the next hour, rejected ones left out', () => {
  const p = new LoadProfiler(DAY0 - 10 * 86_400_000, DAY0 + 86_400_000, 'UTC');
  // 10:00–10:45 and 10:30–11:30 overlap for 15 minutes; the second runs half an hour into 11:00.
  p.add(rec('a', DAY0 + 10 * H, 0.75 * H));
  p.add(rec('b', DAY0 + 10.5 * H, H));
  p.add(rec('r', DAY0 + 10.6 * H, H, { outcome: 'rejected' }));
  const prof = p.profile('m')!;
  const h10 = prof.hours[10]!;
  const h11 = prof.hours[11]!;
  assert.deepEqual([h10.requests, h10.peak, h11.requests, h11.peak], [2, 2, 0, 1]);
  // The profile starts on the day of the first record (not 10 days earlier): one day, so hour 10 is 1 h of time:
  // 30 min at 1, 15 min at 2, 15 min at 1 → mean 1.25, p95 2 (a quarter of the time at 2).
  assert.equal(prof.from, DAY0);
  assert.ok(Math.abs(h10.mean - 1.25) < 1e-9);
  assert.equal(h10.p95, 2);
  assert.ok(Math.abs(h11.mean - 0.5) < 1e-9);
  assert.equal(h11.p95, 1);
  assert.deepEqual([prof.peak, prof.p95, prof.busiestHour, prof.requests], [2, 2, 10, 2]);
});

test('hours of the day are counted in the given time zone', () => {
  // 13:00 UTC in January is 14:00 in Paris.
  const p = new LoadProfiler(DAY0, DAY0 + 86_400_000, 'Europe/Paris');
  p.add(rec('a', DAY0 + 13 * H, 600_000));
  const prof = p.profile()!;
  assert.equal(prof.hours[14]?.requests, 1);
  assert.equal(prof.hours[13]?.requests, 0);
  assert.equal(prof.weekdayRequests[0], 1, 'Monday');
});

test('from profile to plan: growth, sizes, cached share, hours and days of use', () => {
  const p = new LoadProfiler(DAY0, DAY0 + 7 * 86_400_000, 'UTC');
  for (let d = 0; d < 5; d++) {
    for (let h = 9; h < 12; h++) {
      for (let lane = 0; lane < 4; lane++) p.add(rec(`${d}-${h}-${lane}`, DAY0 + d * 86_400_000 + h * H, H, { promptTokens: 3000, cachedTokens: 1000, completionTokens: 500 }));
    }
  }
  const prof = p.profile()!;
  const plan = planFromProfile(prof, USE_CASES.chat, 131072, 1.5, 'p95');
  assert.deepEqual([plan.measured, plan.users, plan.hoursPerDay, plan.daysPerWeek], [4, 6, 3, 5]);
  assert.deepEqual([plan.workload.promptTokens, plan.workload.outputTokens, plan.workload.cachedPromptTokens, plan.workload.context], [3000, 500, 1000, 8192]);
  assert.equal(planFromProfile(prof, USE_CASES.completion, 131072, 1, 'peak').workload.context, 4096, 'p99 of 3,500 tokens fits the use case\'s 4,096');
});
