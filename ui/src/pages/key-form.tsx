// Every setting of a key, for create and edit (the body of POST and PATCH /admin/keys).
import { useState } from 'preact/hooks';
import type { Key, Team, User } from '../types';

export type KeyBody = Record<string, unknown>;

interface FormState {
  name: string;
  user_id: string;
  team_id: string;
  models: string;
  expires_at: string;
  rpm: string;
  tpm: string;
  concurrency: string;
  budget: string;
  budget_period: string;
  priority: string;
  zones: string;
  logging: string;
  log_retention_days: string;
  admin: boolean;
  metadata: string;
}

function initial(k: Key | undefined): FormState {
  const n = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  return {
    name: k?.name ?? '',
    user_id: k?.user_id ?? '',
    team_id: k?.team_id ?? '',
    models: (k?.models ?? []).join(', '),
    expires_at: k?.expires_at ? k.expires_at.slice(0, 16) : '',
    rpm: n(k?.rpm),
    tpm: n(k?.tpm),
    concurrency: n(k?.concurrency),
    budget: n(k?.budget),
    budget_period: k?.budget_period ?? 'monthly',
    priority: k?.priority ?? 'interactive',
    zones: (k?.zones ?? ['any']).join(', '),
    logging: k?.logging ?? 'metadata',
    log_retention_days: String(k?.log_retention_days ?? 30),
    admin: k?.admin ?? false,
    metadata: Object.entries(k?.metadata ?? {}).map(([a, b]) => `${a}=${b}`).join('\n'),
  };
}

function list(s: string): string[] {
  return s.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);
}

function numberOrNull(s: string): number | null {
  return s.trim() === '' ? null : Number(s);
}

function toBody(f: FormState): KeyBody {
  const metadata: Record<string, string> = {};
  for (const line of f.metadata.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) metadata[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return {
    name: f.name.trim(),
    user_id: f.user_id || null,
    team_id: f.team_id || null,
    models: list(f.models),
    expires_at: f.expires_at ? new Date(`${f.expires_at}:00Z`).toISOString() : null,
    rpm: numberOrNull(f.rpm),
    tpm: numberOrNull(f.tpm),
    concurrency: numberOrNull(f.concurrency),
    budget: numberOrNull(f.budget),
    budget_period: f.budget_period,
    priority: f.priority,
    zones: list(f.zones).length ? list(f.zones) : ['any'],
    logging: f.logging,
    log_retention_days: Number(f.log_retention_days),
    admin: f.admin,
    metadata,
  };
}

export function KeyForm(p: { keyRow?: Key; users: User[]; teams: Team[]; submitLabel: string; onSubmit: (body: KeyBody) => Promise<void>; onCancel: () => void }) {
  const [f, setF] = useState(() => initial(p.keyRow));
  const [busy, setBusy] = useState(false);
  const set = (k: keyof FormState) => (e: Event): void => {
    const t = e.currentTarget as HTMLInputElement;
    setF({ ...f, [k]: t.type === 'checkbox' ? t.checked : t.value });
  };
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      await p.onSubmit(toBody(f));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="grid-form" onSubmit={submit}>
      <label>
        Name <input name="name" required maxLength={200} value={f.name} onInput={set('name')} />
      </label>
      <label>
        User
        <select name="user_id" value={f.user_id} onChange={set('user_id')}>
          <option value="">none</option>
          {p.users.map((u) => (
            <option value={u.id} key={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Team
        <select name="team_id" value={f.team_id} onChange={set('team_id')}>
          <option value="">none</option>
          {p.teams.map((t) => (
            <option value={t.id} key={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Models (names or globs, empty = all) <input name="models" value={f.models} onInput={set('models')} placeholder="llama-*, mistral-small" />
      </label>
      <label>
        Expires (UTC) <input name="expires_at" type="datetime-local" value={f.expires_at} onInput={set('expires_at')} />
      </label>
      <label>
        Requests per minute <input name="rpm" type="number" min={1} step={1} value={f.rpm} onInput={set('rpm')} />
      </label>
      <label>
        Tokens per minute <input name="tpm" type="number" min={1} step={1} value={f.tpm} onInput={set('tpm')} />
      </label>
      <label>
        Concurrent requests <input name="concurrency" type="number" min={1} step={1} value={f.concurrency} onInput={set('concurrency')} />
      </label>
      <label>
        Budget (credits) <input name="budget" type="number" min={0} step="any" value={f.budget} onInput={set('budget')} />
      </label>
      <label>
        Budget period
        <select name="budget_period" value={f.budget_period} onChange={set('budget_period')}>
          {['daily', 'weekly', 'monthly', 'none'].map((v) => (
            <option value={v} key={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <label>
        Priority
        <select name="priority" value={f.priority} onChange={set('priority')}>
          <option value="interactive">interactive</option>
          <option value="batch">batch</option>
        </select>
      </label>
      <label>
        Data zones <input name="zones" value={f.zones} onInput={set('zones')} placeholder="any" />
      </label>
      <label>
        Logging
        <select name="logging" value={f.logging} onChange={set('logging')}>
          <option value="none">none</option>
          <option value="metadata">metadata</option>
          <option value="full">full (prompts and answers)</option>
        </select>
      </label>
      <label>
        Log retention (days) <input name="log_retention_days" type="number" min={1} max={3650} step={1} required value={f.log_retention_days} onInput={set('log_retention_days')} />
      </label>
      <label class="check">
        <input name="admin" type="checkbox" checked={f.admin} onChange={set('admin')} /> Admin key
      </label>
      <label class="wide">
        Metadata (key=value per line) <textarea name="metadata" rows={2} value={f.metadata} onInput={set('metadata')} />
      </label>
      <div class="actions wide">
        <button type="submit" disabled={busy}>
          {p.submitLabel}
        </button>
        <button type="button" class="secondary" onClick={p.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
