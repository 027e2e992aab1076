// Users and teams: list, create, edit; members, keys and spend this month (UTC) of each.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { Dialog } from '../components/dialog';
import { Link } from '../components/link';
import { ErrorLine, Loading } from '../components/status';
import { credits, int, isoDay } from '../format';
import type { Key, List, Team, Totals, User } from '../types';

type Edit = { kind: 'none' } | { kind: 'user'; user?: User } | { kind: 'team'; team?: Team };
type Selected = { kind: 'user'; id: string } | { kind: 'team'; id: string } | null;

interface Data {
  users: User[];
  teams: Team[];
  keys: Key[];
  userSpend: Map<string, Totals>;
  teamSpend: Map<string, Totals>;
  keySpend: Map<string, Totals>;
}

export function PeoplePage() {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [edit, setEdit] = useState<Edit>({ kind: 'none' });
  const [selected, setSelected] = useState<Selected>(null);
  const [formError, setFormError] = useState<Error | null>(null);

  const load = async (): Promise<void> => {
    const now = new Date();
    const from = isoDay(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const spend = (g: string): Promise<Map<string, Totals>> =>
      api<List<Totals>>(`/admin/usage${query({ group_by: g, from })}`).then((r) => new Map(r.data.map((x) => [x.group ?? '', x])));
    try {
      const [u, t, k, us, ts, ks] = await Promise.all([api<List<User>>('/admin/users'), api<List<Team>>('/admin/teams'), api<List<Key>>('/admin/keys'), spend('user'), spend('team'), spend('key')]);
      setData({ users: u.data, teams: t.data, keys: k.data, userSpend: us, teamSpend: ts, keySpend: ks });
    } catch (e) {
      setError(e as Error);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const text = (n: string): string => String(form.get(n) ?? '').trim();
    try {
      if (edit.kind === 'team') {
        const body = { name: text('name') };
        if (edit.team) await api(`/admin/teams/${encodeURIComponent(edit.team.id)}`, { method: 'PATCH', body });
        else await api('/admin/teams', { method: 'POST', body });
      } else if (edit.kind === 'user') {
        const body = { name: text('name'), email: text('email') || null, team_id: text('team_id') || null, admin: form.get('admin') === 'on', disabled: form.get('disabled') === 'on' };
        if (edit.user) await api(`/admin/users/${encodeURIComponent(edit.user.id)}`, { method: 'PATCH', body });
        else await api('/admin/users', { method: 'POST', body });
      }
      setEdit({ kind: 'none' });
      setFormError(null);
      await load();
    } catch (err) {
      setFormError(err as Error);
    }
  };
  const close = (): void => {
    setEdit({ kind: 'none' });
    setFormError(null);
  };

  const teamName = (id: string | null): string => (id ? (data?.teams.find((t) => t.id === id)?.name ?? id) : '—');
  const cost = (m: Map<string, Totals>, id: string): string => credits(m.get(id)?.cost ?? 0);

  return (
    <section aria-labelledby="people-h">
      <h1 id="people-h">Users and teams</h1>
      <ErrorLine error={error} />
      <Loading when={!data && !error} />
      {data ? (
        <>
          <ListTable title="Teams" createLabel="Create team" onCreate={() => setEdit({ kind: 'team' })} columns={['Name', 'Members', 'Keys', 'Spend this month', 'Actions']}>
            {data.teams.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{data.users.filter((u) => u.team_id === t.id).length}</td>
                <td>{data.keys.filter((k) => k.team_id === t.id).length}</td>
                <td>{cost(data.teamSpend, t.id)}</td>
                <ShowEdit name={t.name} onShow={() => setSelected({ kind: 'team', id: t.id })} onEdit={() => setEdit({ kind: 'team', team: t })} />
              </tr>
            ))}
          </ListTable>
          <ListTable title="Users" createLabel="Create user" onCreate={() => setEdit({ kind: 'user' })} columns={['Name', 'Email', 'Team', 'Signs in with', 'Keys', 'Spend this month', 'Actions']}>
            {data.users.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email ?? '—'}</td>
                <td>{teamName(u.team_id)}</td>
                <td>
                  {signInLabel(u.source)}
                  {u.admin ? <span class="badge">admin</span> : null}
                  {u.disabled ? <span class="badge">disabled</span> : null}
                </td>
                <td>{data.keys.filter((k) => k.user_id === u.id).length}</td>
                <td>{cost(data.userSpend, u.id)}</td>
                <ShowEdit name={u.name} onShow={() => setSelected({ kind: 'user', id: u.id })} onEdit={() => setEdit({ kind: 'user', user: u })} />
              </tr>
            ))}
          </ListTable>

          {selected ? <Detail data={data} selected={selected} /> : null}
        </>
      ) : null}

      <Dialog title={edit.kind === 'team' ? (edit.team ? `Edit ${edit.team.name}` : 'Create team') : edit.kind === 'user' && edit.user ? `Edit ${edit.user.name}` : 'Create user'} open={edit.kind !== 'none'} onClose={close}>
        <form class="grid-form" onSubmit={save} key={edit.kind === 'team' ? `t${edit.team?.id ?? ''}` : edit.kind === 'user' ? `u${edit.user?.id ?? ''}` : 'none'}>
          <label>
            Name <input name="name" required maxLength={200} defaultValue={edit.kind === 'team' ? edit.team?.name : edit.kind === 'user' ? edit.user?.name : ''} />
          </label>
          {edit.kind === 'user' ? (
            <>
              <label>
                Email <input name="email" type="email" defaultValue={edit.user?.email ?? ''} />
              </label>
              <label>
                Team
                <select name="team_id" defaultValue={edit.user?.team_id ?? ''}>
                  <option value="">none</option>
                  {data?.teams.map((t) => (
                    <option value={t.id} key={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <input name="admin" type="checkbox" defaultChecked={edit.user?.admin === true} /> Admin (single sign-on with admin groups sets it at each sign-in)
              </label>
              <label>
                <input name="disabled" type="checkbox" defaultChecked={edit.user?.disabled === true} /> Disabled (sessions, keys and tokens refused at once)
              </label>
            </>
          ) : null}
          <div class="actions wide">
            <button type="submit">Save</button>
            <button type="button" class="secondary" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
        <ErrorLine error={formError} />
      </Dialog>
    </section>
  );
}

function ListTable(p: { title: string; createLabel: string; onCreate: () => void; columns: string[]; children: ComponentChildren }) {
  return (
    <>
      <div class="page-head">
        <h2>{p.title}</h2>
        <button type="button" onClick={p.onCreate}>
          {p.createLabel}
        </button>
      </div>
      <table>
        <caption class="sr-only">{p.title}</caption>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{p.children}</tbody>
      </table>
    </>
  );
}

function ShowEdit(p: { name: string; onShow: () => void; onEdit: () => void }) {
  return (
    <td class="row-actions">
      <button type="button" class="secondary" onClick={p.onShow} aria-label={`Show ${p.name}`}>
        Show
      </button>
      <button type="button" class="secondary" onClick={p.onEdit} aria-label={`Edit ${p.name}`}>
        Edit
      </button>
    </td>
  );
}

function Detail(p: { data: Data; selected: NonNullable<Selected> }) {
  const { data, selected } = p;
  const name = selected.kind === 'team' ? data.teams.find((t) => t.id === selected.id)?.name : data.users.find((u) => u.id === selected.id)?.name;
  const members = selected.kind === 'team' ? data.users.filter((u) => u.team_id === selected.id) : [];
  const keys = data.keys.filter((k) => (selected.kind === 'team' ? k.team_id : k.user_id) === selected.id);
  return (
    <section class="detail" aria-labelledby="detail-h">
      <h2 id="detail-h">{name ?? selected.id}</h2>
      <p>
        <Link to={`/ui/activity?${selected.kind}=${encodeURIComponent(selected.id)}`}>Activity of {name}</Link>
      </p>
      {selected.kind === 'team' ? <p>Members: {members.length ? members.map((u) => u.name).join(', ') : 'none'}</p> : null}
      <table>
        <caption>Keys</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Status</th>
            <th scope="col">Requests this month</th>
            <th scope="col">Spend this month</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.revoked_at ? 'revoked' : 'active'}</td>
              <td>{int(data.keySpend.get(k.id)?.requests ?? 0)}</td>
              <td>{credits(data.keySpend.get(k.id)?.cost ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function signInLabel(source: string | undefined): string {
  return source === 'oidc' ? 'single sign-on' : source === 'jwt' ? 'JWT' : 'keys';
}
