// Alerts (admin): budget thresholds crossed and keys about to expire, with their webhook delivery (GET /admin/alerts).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, Loading } from '../components/status';
import { dateTime } from '../format';

interface Alert {
  id: number;
  kind: 'budget' | 'key_expiry';
  level: 'key' | 'user' | 'team';
  subject_id: string;
  threshold_percent: number | null;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  created_at: string;
  delivered_at: string | null;
  last_error: string | null;
  payload: { name?: string; spent?: number; budget?: number; expires_at?: string };
}

function what(a: Alert): string {
  if (a.kind === 'key_expiry') return `key expires ${dateTime(a.payload.expires_at ?? null)}`;
  return `${a.threshold_percent ?? '?'}% of the budget (${a.payload.spent ?? '?'} of ${a.payload.budget ?? '?'})`;
}

export function AlertsPage() {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    api<{ data: Alert[] }>('/admin/alerts?limit=200').then((r) => setAlerts(r.data), (e: Error) => setError(e));
  }, []);
  return (
    <section aria-labelledby="alerts-h">
      <h1 id="alerts-h">Alerts</h1>
      <p class="muted">Raised once per threshold per budget period (and once per key expiry), sent to the configured webhooks.</p>
      <ErrorLine error={error} />
      <Loading when={!alerts && !error} />
      {alerts && alerts.length === 0 ? <p>No alerts yet (or no <code>alerts</code> section in the configuration).</p> : null}
      {alerts && alerts.length > 0 ? (
        <table>
          <caption class="sr-only">Alerts</caption>
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Delivery</th>
              <th scope="col">Webhook</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id} data-testid="alert">
                <td>{dateTime(a.created_at)}</td>
                <td>
                  {a.level} <span class="key-name">{a.payload.name ?? a.subject_id}</span>
                </td>
                <td>{what(a)}</td>
                <td>
                  {a.status}
                  {a.status === 'delivered' ? ` ${dateTime(a.delivered_at)}` : ''} ({a.attempts} {a.attempts === 1 ? 'attempt' : 'attempts'})
                  {a.last_error && a.status !== 'delivered' ? <span class="muted"> — {a.last_error}</span> : null}
                </td>
                <td>
                  <code>{a.url}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
