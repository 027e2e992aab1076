// My keys (on the My key page): the signed-in user's own keys, created and revoked within the team's
// key policy (GET /v1/me, GET/POST /v1/me/keys, DELETE /v1/me/keys/{id}). Hidden for a key of no user.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ErrorLine } from '../components/status';
import { credits, dateTime } from '../format';
import type { Key } from '../types';

interface Policy {
  models: string[];
  zones: string[];
  max_budget: number | null;
  max_keys_per_user: number | null;
  max_expiry_days: number | null;
}

interface Me {
  id: string;
  name: string;
  team: { id: string; name: string } | null;
  key_policy: Policy | null;
  active_keys: number;
}

export function MyKeys(p: { currentKeyId: string }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [keys, setKeys] = useState<Key[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [name, setName] = useState('');
  const [budget, setBudget] = useState('');
  const [secret, setSecret] = useState<string | null>(null);

  const load = async (): Promise<void> => {
    try {
      const [m, k] = await Promise.all([api<{ data: Me }>('/v1/me'), api<{ data: Key[] }>('/v1/me/keys')]);
      setMe(m.data);
      setKeys(k.data);
    } catch (e) {
      // A key of no user has no "me": the section is not shown.
      if (e instanceof ApiError && e.code === 'no_user') setMe(null);
      else setError(e as Error);
    }
  };
  useEffect(() => void load(), []);

  const create = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setError(null);
    try {
      const body: Record<string, unknown> = { name };
      if (budget.trim() !== '') body.budget = Number(budget);
      const k = await api<Key & { key: string }>('/v1/me/keys', { method: 'POST', body });
      setSecret(k.key);
      setName('');
      setBudget('');
      await load();
    } catch (e) {
      setError(e as Error);
    }
  };
  const revoke = async (id: string): Promise<void> => {
    setError(null);
    try {
      await api(`/v1/me/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
      await load();
    } catch (e) {
      setError(e as Error);
    }
  };

  if (me === null || (me === undefined && !error)) return null;
  const policy = me?.key_policy ?? null;
  return (
    <section aria-labelledby="mykeys-h">
      <h2 id="mykeys-h">My keys</h2>
      <ErrorLine error={error} />
      {me ? (
        <p class="muted" data-testid="key-policy">
          {policy
            ? `Team ${me.team?.name ?? ''}: keys for ${policy.models.length ? policy.models.join(', ') : 'all models'}` +
              `${policy.max_budget !== null ? `, budget up to ${policy.max_budget}` : ''}` +
              `${policy.max_keys_per_user !== null ? `, at most ${policy.max_keys_per_user} active` : ''}` +
              `${policy.max_expiry_days !== null ? `, expiring within ${policy.max_expiry_days} days` : ''}.`
            : 'Your team does not let members create keys themselves.'}
        </p>
      ) : null}
      <table>
        <caption class="sr-only">My keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Budget</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-testid="own-key">
              <td>
                <span class="key-name">{k.name}</span> <code class="muted">{k.prefix}…</code>
              </td>
              <td>{k.status}</td>
              <td>{k.budget === null ? '—' : `${credits(k.budget)} (${k.budget_period})`}</td>
              <td>{dateTime(k.expires_at)}</td>
              <td>
                {k.status === 'active' && k.id !== p.currentKeyId ? (
                  <button type="button" class="secondary" aria-label={`Revoke ${k.name}`} onClick={() => void revoke(k.id)}>
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {policy ? (
        <form class="inline-form" onSubmit={(e) => void create(e)}>
          <label>
            New key name
            <input name="own-name" required maxLength={200} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Budget (optional)
            <input name="own-budget" type="number" min="0" step="any" value={budget} onInput={(e) => setBudget((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Create key</button>
        </form>
      ) : null}
      {secret ? (
        <p role="status">
          New key, shown only this once: <code class="secret" data-testid="own-secret">{secret}</code>
        </p>
      ) : null}
    </section>
  );
}
