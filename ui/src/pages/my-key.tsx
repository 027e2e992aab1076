// My key (non-admin sign-in): the key's limits, this period's usage and what remains (GET /v1/key),
// and the user's own keys when the key belongs to a user.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Bar } from '../components/bar';
import { Link } from '../components/link';
import { ErrorLine, Loading } from '../components/status';
import { credits, dateTime, int } from '../format';
import type { Key } from '../types';
import { MyKeys } from './my-keys';

interface OwnKey extends Key {
  period: { name: string; start: string; end: string | null };
  usage: { requests: number; prompt_tokens: number; completion_tokens: number; cost: number; reserved: number };
  remaining: { budget: number | null; budget_level?: string | null; requests_this_minute: number | null; tokens_this_minute: number | null; concurrent: number | null };
}

export function MyKeyPage() {
  const [k, setK] = useState<OwnKey | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    api<{ data: OwnKey }>('/v1/key').then((r) => setK(r.data), (e: Error) => setError(e));
  }, []);
  return (
    <section aria-labelledby="mykey-h">
      <h1 id="mykey-h">My key</h1>
      <ErrorLine error={error} />
      <Loading when={!k && !error} />
      {k ? (
        <dl class="facts">
          <dt>Name</dt>
          <dd>
            {k.name} <code class="muted">{k.prefix}…</code>
          </dd>
          <dt>Status</dt>
          <dd>{k.status}</dd>
          <dt>Budget this period</dt>
          <dd>
            {k.budget !== null ? (
              <Bar value={k.usage.cost + k.usage.reserved} max={k.budget} label="Budget used" text={`${credits(k.usage.cost)} of ${k.budget} credits (${k.budget_period}), ${credits(k.remaining.budget)} left`} />
            ) : (
              `no budget; ${credits(k.usage.cost)} credits spent this period`
            )}
          </dd>
          {k.remaining.budget_level && k.remaining.budget_level !== 'key' ? (
            <>
              <dt>Tightest budget</dt>
              <dd data-testid="tightest-budget">
                your {k.remaining.budget_level}'s: {credits(k.remaining.budget)} credits left
              </dd>
            </>
          ) : null}
          <dt>Period</dt>
          <dd>
            {dateTime(k.period.start)} to {k.period.end ? dateTime(k.period.end) : 'open'}
          </dd>
          <dt>Requests this period</dt>
          <dd>
            {int(k.usage.requests)} ({int(k.usage.prompt_tokens)} tokens in, {int(k.usage.completion_tokens)} out)
          </dd>
          <dt>Limits</dt>
          <dd>
            {k.rpm ?? '—'} requests/min ({k.remaining.requests_this_minute ?? '—'} left), {k.tpm ?? '—'} tokens/min, {k.concurrency ?? '—'} at once
          </dd>
          <dt>Models</dt>
          <dd>{k.models.length ? k.models.join(', ') : 'all'}</dd>
          <dt>Data zones</dt>
          <dd>{k.zones.join(', ')}</dd>
          <dt>Logging</dt>
          <dd>
            {k.logging}
            {k.logging === 'full' ? ` (kept ${k.log_retention_days} days)` : ''}
          </dd>
          <dt>Expires</dt>
          <dd>{dateTime(k.expires_at)}</dd>
        </dl>
      ) : null}
      {k ? <MyKeys currentKeyId={k.id} /> : null}
      <p>
        <Link to="/ui/activity">My activity</Link> · <Link to="/ui/playground">Playground</Link>
      </p>
    </section>
  );
}
