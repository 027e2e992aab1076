// Activity: requests, tokens in/out, cost and errors over time (hour or day buckets, UTC), split by
// model/key/user/team/backend, filtered; top keys and models; CSV of exactly the table shown.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, query } from '../api';
import { Chart, type ChartSeries } from '../components/chart';
import { ErrorLine, Loading } from '../components/status';
import { download, toCsv } from '../csv';
import { credits, int, isoDay } from '../format';
import { navigate } from '../route';
import type { Activity, Key, KeyModel, List, Team, Totals, User } from '../types';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const splits = ['', 'model', 'key', 'user', 'team', 'backend'] as const;
const filterNames = ['key', 'user', 'team', 'model', 'backend'] as const;
type FilterName = (typeof filterNames)[number];

interface Lookups {
  keys: Key[];
  users: User[];
  teams: Team[];
  models: string[];
  backends: string[];
}

const columns = ['time', 'group', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost', 'avg_ms'] as const;

type FormState = Record<'from' | 'to' | 'bucket' | 'split' | FilterName, string>;

function defaults(params: URLSearchParams): FormState {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const get = (n: string): string => params.get(n) ?? '';
  return {
    from: params.get('from') ?? isoDay(today - 6 * DAY),
    to: params.get('to') ?? isoDay(today),
    bucket: get('bucket'),
    split: get('split'),
    key: get('key'),
    user: get('user'),
    team: get('team'),
    model: get('model'),
    backend: get('backend'),
  };
}

export function ActivityPage(p: { admin: boolean; params: URLSearchParams }) {
  const [form, setForm] = useState(() => defaults(p.params));
  const [data, setData] = useState<Activity | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(false);
  const [lookups, setLookups] = useState<Lookups>({ keys: [], users: [], teams: [], models: [], backends: [] });
  const [showTable, setShowTable] = useState(false);

  useEffect(() => setForm(defaults(p.params)), [p.params.toString()]);

  useEffect(() => {
    const models = api<List<KeyModel>>('/v1/key/models').then((r) => r.data.map((m) => m.id)).catch(() => [] as string[]);
    if (!p.admin) {
      void models.then((m) => setLookups((l) => ({ ...l, models: m })));
      return;
    }
    void Promise.all([
      api<List<Key>>('/admin/keys').then((r) => r.data).catch(() => [] as Key[]),
      api<List<User>>('/admin/users').then((r) => r.data).catch(() => [] as User[]),
      api<List<Team>>('/admin/teams').then((r) => r.data).catch(() => [] as Team[]),
      models,
      api<{ backends: { id: string }[] }>('/admin/router').then((r) => r.backends.map((b) => b.id)).catch(() => [] as string[]),
    ]).then(([keys, users, teams, m, backends]) => setLookups({ keys, users, teams, models: m, backends }));
  }, [p.admin]);

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    const path = p.admin ? '/admin/activity' : '/v1/key/activity';
    const filters = Object.fromEntries(filterNames.filter((f) => p.admin || f === 'model').map((f) => [f, form[f]]));
    api<Activity>(`${path}${query({ from: form.from, to: form.to, bucket: form.bucket, split: form.split, ...filters })}`, { signal: ctl.signal })
      .then((d) => setData(d))
      .catch((e: Error) => {
        if (!ctl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [p.admin, form.from, form.to, form.bucket, form.split, form.key, form.user, form.team, form.model, form.backend]);

  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const k of lookups.keys) m.set(`key:${k.id}`, k.name);
    for (const u of lookups.users) m.set(`user:${u.id}`, u.name);
    for (const t of lookups.teams) m.set(`team:${t.id}`, t.name);
    return m;
  }, [lookups]);
  const label = (dim: string, id: string | undefined): string => {
    if (id === undefined) return '';
    if (id === '') return '(none)';
    const n = names.get(`${dim}:${id}`);
    return n ? `${n} (${id})` : id;
  };

  const charts = useMemo(() => (data ? chartsOf(data, (g) => label(data.split ?? '', g)) : null), [data, names]);

  const set = (name: string, value: string): void => {
    const next = { ...form, [name]: value };
    setForm(next);
    // The filters live in the address, so a view can be bookmarked and shared.
    navigate(`/ui/activity${query(next)}`);
  };

  const tableRows = data ? data.series.map((r) => [r.time ?? '', data.split ? label(data.split, r.group) : '', r.requests, r.errors, r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.cost, r.avg_ms]) : [];
  const exportCsv = (): void => {
    if (!data) return;
    const cols = data.split ? [...columns] : columns.filter((c) => c !== 'group');
    const rows = data.split ? tableRows : tableRows.map((r) => [r[0], ...r.slice(2)]);
    download(`relais-activity-${form.from}-${form.to}.csv`, toCsv(cols, rows));
  };

  return (
    <section aria-labelledby="activity-h" data-state={loading ? 'loading' : data ? 'ready' : 'empty'}>
      <h1 id="activity-h">{p.admin ? 'Activity' : 'My activity'}</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={form.from} onChange={(e) => set('from', e.currentTarget.value)} />
        </label>
        <label>
          To <input type="date" value={form.to} onChange={(e) => set('to', e.currentTarget.value)} />
        </label>
        <label>
          Buckets
          <select value={form.bucket} onChange={(e) => set('bucket', e.currentTarget.value)}>
            <option value="">auto</option>
            <option value="hour">hour</option>
            <option value="day">day</option>
          </select>
        </label>
        <label>
          Split by
          <select value={form.split} onChange={(e) => set('split', e.currentTarget.value)}>
            {splits.filter((s) => p.admin || s === '' || s === 'model' || s === 'backend').map((s) => (
              <option value={s} key={s}>
                {s || 'nothing'}
              </option>
            ))}
          </select>
        </label>
        {p.admin ? (
          <>
            <Filter name="key" label="Key" value={form.key} onChange={set} options={lookups.keys.map((k) => [k.id, `${k.name} (${k.prefix}…)`])} />
            <Filter name="user" label="User" value={form.user} onChange={set} options={lookups.users.map((u) => [u.id, u.name])} />
            <Filter name="team" label="Team" value={form.team} onChange={set} options={lookups.teams.map((t) => [t.id, t.name])} />
            <Filter name="backend" label="Backend" value={form.backend} onChange={set} options={lookups.backends.map((b) => [b, b])} />
          </>
        ) : null}
        <Filter name="model" label="Model" value={form.model} onChange={set} options={lookups.models.map((m) => [m, m])} />
      </form>
      <ErrorLine error={error} />
      <Loading when={loading && !data} />
      {data ? (
        <>
          <ul class="cards" aria-label="Totals">
            <li>
              <span class="card-label">Requests</span> <strong data-testid="total-requests">{int(data.totals.requests)}</strong>
            </li>
            <li>
              <span class="card-label">Tokens in</span> <strong>{int(data.totals.prompt_tokens)}</strong>
            </li>
            <li>
              <span class="card-label">Tokens out</span> <strong>{int(data.totals.completion_tokens)}</strong>
            </li>
            <li>
              <span class="card-label">Cost (credits)</span> <strong data-testid="total-cost">{credits(data.totals.cost)}</strong>
            </li>
            <li>
              <span class="card-label">Errors</span> <strong>{int(data.totals.errors)}</strong>
            </li>
          </ul>
          <p class="muted">
            {data.from.slice(0, 10)} to {data.to.slice(0, 10)} (UTC, end exclusive), {data.bucket} buckets{data.split ? `, split by ${data.split} (the ${data.split_groups?.length ?? 0} most expensive)` : ''}.
          </p>
          {charts ? (
            <div class="chart-grid">
              <Chart title="Requests" x={charts.x} series={charts.requests} time />
              <Chart title="Tokens" x={charts.x} series={charts.tokens} time />
              <Chart title="Cost (credits)" x={charts.x} series={charts.cost} time />
              <Chart title="Errors" x={charts.x} series={charts.errors} time />
            </div>
          ) : null}
          <div class="two-col">
            {p.admin ? <TopTable title="Top keys" rows={data.top.keys} name={(g) => label('key', g)} /> : null}
            <TopTable title="Top models" rows={data.top.models} name={(g) => g ?? ''} />
          </div>
          <div class="table-tools">
            <button type="button" onClick={() => setShowTable(!showTable)} aria-expanded={showTable} aria-controls="activity-table">
              {showTable ? 'Hide' : 'Show'} table ({data.series.length} rows)
            </button>
            <button type="button" onClick={exportCsv}>
              Export CSV
            </button>
          </div>
          {showTable ? (
            <div class="scroll" id="activity-table" tabIndex={0} role="region" aria-label="Activity table">
              <table>
                <caption class="sr-only">Activity rows</caption>
                <thead>
                  <tr>
                    <th scope="col">{data.bucket === 'hour' ? 'Hour' : 'Day'}</th>
                    {data.split ? <th scope="col">{data.split}</th> : null}
                    <th scope="col">Requests</th>
                    <th scope="col">Errors</th>
                    <th scope="col">Tokens in</th>
                    <th scope="col">Tokens out</th>
                    <th scope="col">Cached</th>
                    <th scope="col">Cost</th>
                    <th scope="col">Avg ms</th>
                  </tr>
                </thead>
                <tbody>
                  {tableRows.map((r, i) => (
                    <tr key={i}>
                      <td>{String(r[0]).replace('T', ' ').replace(':00.000Z', 'Z')}</td>
                      {data.split ? <td>{r[1]}</td> : null}
                      <td>{int(r[2] as number)}</td>
                      <td>{int(r[3] as number)}</td>
                      <td>{int(r[4] as number)}</td>
                      <td>{int(r[5] as number)}</td>
                      <td>{int(r[6] as number)}</td>
                      <td>{credits(r[7] as number)}</td>
                      <td>{r[8]}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function Filter(p: { name: FilterName; label: string; value: string; options: [string, string][]; onChange: (name: string, value: string) => void }) {
  return (
    <label>
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(p.name, e.currentTarget.value)}>
        <option value="">all</option>
        {p.value && !p.options.some(([v]) => v === p.value) ? <option value={p.value}>{p.value}</option> : null}
        {p.options.map(([v, l]) => (
          <option value={v} key={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

function TopTable(p: { title: string; rows: Totals[]; name: (group: string | undefined) => string }) {
  return (
    <table>
      <caption>{p.title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Requests</th>
          <th scope="col">Tokens in/out</th>
          <th scope="col">Cost</th>
        </tr>
      </thead>
      <tbody>
        {p.rows.length === 0 ? (
          <tr>
            <td colSpan={4} class="muted">
              No requests in this range.
            </td>
          </tr>
        ) : null}
        {p.rows.map((r) => (
          <tr key={r.group}>
            <td>{p.name(r.group)}</td>
            <td>{int(r.requests)}</td>
            <td>
              {int(r.prompt_tokens)} / {int(r.completion_tokens)}
            </td>
            <td>{credits(r.cost)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every bucket of the range (zeros where nothing happened), one line per group (the top 10 by cost). */
function chartsOf(d: Activity, name: (g: string | undefined) => string) {
  const size = d.bucket === 'hour' ? HOUR : DAY;
  const from = Date.parse(d.from);
  const to = Date.parse(d.to);
  const times: number[] = [];
  for (let t = Math.floor(from / size) * size; t < to; t += size) times.push(t);
  const index = new Map(times.map((t, i) => [t, i]));
  const groups = new Map<string, Totals[]>();
  for (const r of d.series) {
    const g = r.group ?? '';
    const list = groups.get(g) ?? [];
    list.push(r);
    groups.set(g, list);
  }
  const ranked = [...groups.entries()].sort((a, b) => b[1].reduce((s, r) => s + r.cost + r.requests * 1e-9, 0) - a[1].reduce((s, r) => s + r.cost + r.requests * 1e-9, 0)).slice(0, 10);
  const line = (rows: Totals[], pick: (r: Totals) => number): number[] => {
    const v = new Array<number>(times.length).fill(0);
    for (const r of rows) {
      const i = index.get(Date.parse(r.time ?? ''));
      if (i !== undefined) v[i] = (v[i] as number) + pick(r);
    }
    return v;
  };
  const per = (pick: (r: Totals) => number): ChartSeries[] =>
    d.split ? ranked.map(([g, rows]) => ({ label: name(g), values: line(rows, pick) })) : [{ label: 'all', values: line(d.series, pick) }];
  return {
    x: times.map((t) => t / 1000),
    requests: per((r) => r.requests),
    tokens: d.split
      ? per((r) => r.prompt_tokens + r.completion_tokens)
      : [
          { label: 'in', values: line(d.series, (r) => r.prompt_tokens) },
          { label: 'out', values: line(d.series, (r) => r.completion_tokens) },
        ],
    cost: per((r) => r.cost),
    errors: per((r) => r.errors),
  };
}
