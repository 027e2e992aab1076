// Budget periods in UTC: a day starts at 00:00, a week on Monday, a month on the 1st.
import type { BudgetPeriod } from '../store/types.js';

export interface PeriodBounds {
  /** Epoch ms; 0 for 'none'. */
  readonly start: number;
  /** Epoch ms; null for 'none'. */
  readonly end: number | null;
}

const DAY = 86_400_000;

export function periodBounds(period: BudgetPeriod, now: number): PeriodBounds {
  const d = new Date(now);
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case 'daily':
      return { start: dayStart, end: dayStart + DAY };
    case 'weekly': {
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = dayStart - sinceMonday * DAY;
      return { start, end: start + 7 * DAY };
    }
    case 'monthly':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    case 'none':
      return { start: 0, end: null };
  }
}
