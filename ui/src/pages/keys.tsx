// Keys: status, spend against budget, limits, models, zones, expiry; create (secret shown once), edit,
// revoke (with confirmation), and a link to each key's own activity.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Bar } from '../components/bar';
import { Dialog } from '../components/dialog';
import { Link } from '../components/link';
import { ErrorLine, Loading } from '../components/status';
import { credits, dateTime } from '../format';
import type { Key, List, Spend, Team, User } from '../types';
import { KeyForm, type KeyBody } from './key-form';

type Mode = { kind: 'none' } | { kind: 'create' } | { kind: 'edit'; key: Key } | { kind: 'revoke'; key: Key } | { kind: 'secret'; key: Key & { key: string } };

function statusOf(k: Key): string {
  if (k.revoked_at) return 'revoked';
  if (k.expires_at && Date.parse(k.expires_at) <= Date.now()) return 'expired';
  return 'active';
}

export function KeysPage() {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [spend, setSpend] = useState<Map<string, Spend>>(new Map());
  const [users, setUsers] = useState<User[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [mode, setMode] = useState<Mode>({ kind: 'none' });
  const [error, setError] = useState<Error | null>(null);
  const [formError, setFormError] = useState<Error | null>(null);
  const [copied, setCopied] = useState(false);

  const load = async (): Promise<void> => {
    try {
      const [k, s, u, t] = await Promise.all([
        api<List<Key>>('/admin/keys'),
        api<List<Spend>>('/admin/spend'),
        api<List<User>>('/admin/users'),
        api<List<Team>>('/admin/teams'),
      ]);
      setKeys(k.data);
      setSpend(new Map(s.data.map((x) => [x.key_id, x])));
      setUsers(u.data);
      setTeams(t.data);
    } catch (e) {
      setError(e as Error);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const close = (): void => {
    setMode({ kind: 'none' });
    setFormError(null);
    setCopied(false);
  };
  const create = async (body: KeyBody): Promise<void> => {
    try {
      const k = await api<Key & { key: string }>('/admin/keys', { method: 'POST', body });
      setMode({ kind: 'secret', key: k });
      setFormError(null);
      await load();
    } catch (e) {
      setFormError(e as Error);
    }
  };
  const update = (id: string) => async (body: KeyBody): Promise<void> => {
    try {
      await api(`/admin/keys/${encodeURIComponent(id)}`, { method: 'PATCH', body });
      close();
      await load();
    } catch (e) {
      setFormError(e as Error);
    }
  };
  const revoke = async (k: Key): Promise<void> => {
    try {
      await api(`/admin/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
      close();
      await load();
    } catch (e) {
      setFormError(e as Error);
    }
  };
  const copy = async (text: string): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // No clipboard (insecure context): select the text so Ctrl+C copies it.
      const el = document.getElementById('new-secret');
      if (el) getSelection()?.selectAllChildren(el);
    }
  };
  const userName = (id: string | null): string => (id ? (users.find((u) => u.id === id)?.name ?? id) : '');
  const teamName = (id: string | null): string => (id ? (teams.find((t) => t.id === id)?.name ?? id) : '');

  return (
    <section aria-labelledby="keys-h">
      <div class="page-head">
        <h1 id="keys-h">Keys</h1>
        <button type="button" onClick={() => setMode({ kind: 'create' })}>
          Create key
        </button>
      </div>
      <ErrorLine error={error} />
      <Loading when={keys === null && !error} />
      {keys ? (
        <div class="scroll" tabIndex={0} role="region" aria-label="Keys table">
          <table class="keys">
            <caption class="sr-only">Keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Spend / budget</th>
                <th scope="col">Limits</th>
                <th scope="col">Models</th>
                <th scope="col">Zones</th>
                <th scope="col">Owner</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => {
                const s = spend.get(k.id);
                const status = statusOf(k);
                return (
                  <tr key={k.id} data-key-id={k.id}>
                    <td>
                      <span class="key-name">{k.name}</span>
                      <br />
                      <code class="muted">{k.prefix}…</code> {k.admin ? <span class="badge">admin</span> : null}
                    </td>
                    <td>
                      <span class={`status ${status}`}>{status}</span>
                    </td>
                    <td>
                      {k.budget !== null ? (
                        <Bar value={(s?.spent ?? 0) + (s?.reserved ?? 0)} max={k.budget} label={`Spend of ${k.name}`} text={`${credits(s?.spent ?? 0)} / ${k.budget} (${k.budget_period})`} />
                      ) : (
                        <span class="muted">{s?.spent !== null && s?.spent !== undefined ? `${credits(s.spent)} · no budget` : 'no budget'}</span>
                      )}
                    </td>
                    <td>
                      {[k.rpm !== null ? `${k.rpm} rpm` : '', k.tpm !== null ? `${k.tpm} tpm` : '', k.concurrency !== null ? `${k.concurrency} at once` : ''].filter(Boolean).join(' · ') || <span class="muted">none</span>}
                    </td>
                    <td>{k.models.length ? k.models.join(', ') : <span class="muted">all</span>}</td>
                    <td>{k.zones.join(', ')}</td>
                    <td>{[userName(k.user_id), teamName(k.team_id)].filter(Boolean).join(' · ')}</td>
                    <td>{dateTime(k.expires_at)}</td>
                    <td class="row-actions">
                      <Link to={`/ui/activity?key=${encodeURIComponent(k.id)}`}>Activity</Link>
                      {status !== 'revoked' ? (
                        <>
                          <button type="button" class="secondary" onClick={() => setMode({ kind: 'edit', key: k })} aria-label={`Edit ${k.name}`}>
                            Edit
                          </button>
                          <button type="button" class="danger" onClick={() => setMode({ kind: 'revoke', key: k })} aria-label={`Revoke ${k.name}`}>
                            Revoke
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      <Dialog title="Create key" open={mode.kind === 'create'} onClose={close}>
        <KeyForm users={users} teams={teams} submitLabel="Create" onSubmit={create} onCancel={close} />
        <ErrorLine error={formError} />
      </Dialog>
      <Dialog title={mode.kind === 'edit' ? `Edit ${mode.key.name}` : 'Edit key'} open={mode.kind === 'edit'} onClose={close}>
        {mode.kind === 'edit' ? <KeyForm keyRow={mode.key} users={users} teams={teams} submitLabel="Save" onSubmit={update(mode.key.id)} onCancel={close} /> : null}
        <ErrorLine error={formError} />
      </Dialog>
      <Dialog title="Revoke key" open={mode.kind === 'revoke'} onClose={close}>
        {mode.kind === 'revoke' ? (
          <>
            <p>
              Revoke <strong>{mode.key.name}</strong>? Requests with it and console sessions signed in with it stop at once. This cannot be undone.
            </p>
            <div class="actions">
              <button type="button" class="danger" onClick={() => void revoke(mode.key)}>
                Revoke {mode.key.name}
              </button>
              <button type="button" class="secondary" onClick={close}>
                Cancel
              </button>
            </div>
            <ErrorLine error={formError} />
          </>
        ) : null}
      </Dialog>
      <Dialog title="Key created" open={mode.kind === 'secret'} onClose={close}>
        {mode.kind === 'secret' ? (
          <>
            <p>This is the only time the secret is shown. Copy it now and hand it to its holder.</p>
            <p>
              <code id="new-secret" class="secret" data-testid="new-secret">
                {mode.key.key}
              </code>
            </p>
            <div class="actions">
              <button type="button" onClick={() => void copy(mode.key.key)}>
                {copied ? 'Copied' : 'Copy'}
              </button>
              <button type="button" class="secondary" onClick={close}>
                Done
              </button>
            </div>
          </>
        ) : null}
      </Dialog>
    </section>
  );
}
