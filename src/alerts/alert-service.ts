// Raises alerts (budget thresholds, expiring keys) on a timer and delivers them to the webhooks, with
// retries and exponential backoff. Every instance runs it: the store's unique dedupe key raises each
// alert once, and a delivery is claimed by one instance per attempt (a crashed one's claim times out).
import type { Config } from '../config/schema.js';
import type { AlertRow, Store } from '../store/types.js';
import { detectAlerts } from './detect.js';
import { postWebhook } from './webhook.js';

export type AlertsConfig = NonNullable<Config['alerts']>;

const MAX_BACKOFF_MS = 3_600_000;
/** One delivery attempt's limit; a slower receiver counts as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

export class AlertService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: AlertsConfig,
    private readonly warn: (message: string) => void,
    /** Writes buffered usage first, so the spend checked includes requests just finished. */
    private readonly flush?: () => Promise<void>,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.tick(), this.config.check_ms);
    this.timer.unref();
    return this;
  }

  /** One check and delivery round; concurrent calls share the round in flight. */
  tick(): Promise<void> {
    this.running ??= this.round()
      .catch((err: unknown) => this.warn(`relais alerts: check failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async round(): Promise<void> {
    await this.flush?.().catch(() => undefined);
    await this.raise(Date.now());
    await this.deliver();
  }

  private async raise(now: number): Promise<void> {
    const found = await detectAlerts(this.store, this.config.budget_thresholds, this.config.key_expiry_days, now);
    for (const a of found) {
      const payload = JSON.stringify({
        id: a.dedupe,
        type: a.kind === 'budget' ? 'budget.threshold' : 'key.expiring',
        level: a.level,
        subject_id: a.subjectId,
        name: a.name,
        ...(a.threshold !== null ? { threshold_percent: a.threshold } : {}),
        ...a.detail,
        time: new Date(now).toISOString(),
      });
      for (const w of this.config.webhooks) {
        const row: AlertRow = {
          dedupe: `${a.dedupe}:${w.url}`, time: now, kind: a.kind, level: a.level, subjectId: a.subjectId, threshold: a.threshold,
          periodStart: a.periodStart, url: w.url, payload, status: 'pending', attempts: 0, nextAttemptAt: now, deliveredAt: null, lastError: null,
        };
        if (!(await this.store.insertAlert(row))) continue;
        await this.store.appendAudit({
          time: now, actor: 'alerts', action: 'alert.raise', targetType: a.level, targetId: a.subjectId,
          detail: { kind: a.kind, threshold: a.threshold, url: w.url, ...a.detail },
        });
      }
    }
  }

  private async deliver(): Promise<void> {
    const now = Date.now();
    for (const a of await this.store.dueAlerts(now, 100)) {
      const id = a.id as number;
      const hook = this.config.webhooks.find((w) => w.url === a.url);
      if (!hook) {
        await this.store.finishAlert(id, { status: 'failed', lastError: 'webhook no longer configured' });
        continue;
      }
      // The claim holds the alert past the attempt's own timeout, so no other instance (or round) sends it
      // meanwhile; if this instance dies mid-attempt, another retries after that.
      const backoff = Math.min(MAX_BACKOFF_MS, this.config.retry_ms * 2 ** a.attempts);
      if (!(await this.store.claimAlert(id, a.attempts, now + Math.max(backoff, WEBHOOK_TIMEOUT_MS + 5_000)))) continue;
      const error = await postWebhook(a.url, hook.secret, a.payload, WEBHOOK_TIMEOUT_MS);
      if (error === undefined) {
        await this.store.finishAlert(id, { status: 'delivered', deliveredAt: Date.now() });
        await this.store.appendAudit({ time: Date.now(), actor: 'alerts', action: 'alert.delivered', targetType: a.level, targetId: a.subjectId, detail: { url: a.url, attempts: a.attempts + 1, dedupe: a.dedupe } });
      } else {
        const last = a.attempts + 1 >= this.config.max_attempts;
        await this.store.finishAlert(id, { status: last ? 'failed' : 'pending', lastError: error, nextAttemptAt: Date.now() + backoff });
        if (last) this.warn(`relais alerts: giving up on ${a.dedupe} after ${a.attempts + 1} attempts: ${error}`);
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
