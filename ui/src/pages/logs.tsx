// Logs: prompts and answers of keys with `logging: full`, searchable by key, model, date and text; each
// entry shows how long it is kept. Everything is shown as text, never interpreted as HTML.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { ErrorLine, Loading } from '../components/status';
import { dateTime } from '../format';
import type { Key, KeyModel, List } from '../types';

interface LogEntry {
  request_id: string;
  time: string;
  key_id: string | null;
  key_name: string | null;
  model: string;
  request: string;
  response: string;
  retention_days: number | null;
  expires_at: string;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

interface AnswerPart {
  choices?: { delta?: { content?: string | null }; message?: { content?: string | null }; text?: string }[];
  message?: { content?: string };
  response?: string;
}

/** The answer's text from what was sent back: OpenAI SSE or JSON, or Ollama NDJSON; null when unreadable. */
function answerText(raw: string): string | null {
  const parts: AnswerPart[] = [];
  try {
    if (raw.startsWith('data:')) {
      for (const line of raw.split('\n')) {
        const data = line.startsWith('data:') ? line.slice(5).trim() : '';
        if (data && data !== '[DONE]') parts.push(JSON.parse(data) as AnswerPart);
      }
    } else if (raw.trimStart().startsWith('{') && raw.includes('\n{')) {
      for (const line of raw.split('\n')) if (line.trim()) parts.push(JSON.parse(line) as AnswerPart);
    } else {
      parts.push(JSON.parse(raw) as AnswerPart);
    }
  } catch {
    return null;
  }
  const text = parts
    .map((p) => p.choices?.[0]?.delta?.content ?? p.choices?.[0]?.message?.content ?? p.choices?.[0]?.text ?? p.message?.content ?? p.response ?? '')
    .join('');
  return text === '' ? null : text;
}

export function LogsPage() {
  const [keys, setKeys] = useState<Key[]>([]);
  const [models, setModels] = useState<string[]>([]);
  const [filters, setFilters] = useState({ key: '', model: '', from: '', to: '', q: '' });
  const [entries, setEntries] = useState<LogEntry[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    void api<List<Key>>('/admin/keys').then((r) => setKeys(r.data), () => undefined);
    void api<List<KeyModel>>('/v1/key/models').then((r) => setModels(r.data.map((m) => m.id)), () => undefined);
  }, []);

  const search = async (e?: Event): Promise<void> => {
    e?.preventDefault();
    setLoading(true);
    try {
      const r = await api<List<LogEntry>>(`/admin/logs${query({ ...filters, limit: 100 })}`);
      setEntries(r.data);
      setError(null);
    } catch (err) {
      setError(err as Error);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void search();
  }, []);
  const set = (name: keyof typeof filters) => (e: Event): void => setFilters({ ...filters, [name]: (e.currentTarget as HTMLInputElement).value });
  const logged = keys.filter((k) => k.logging === 'full' && !k.revoked_at);

  return (
    <section aria-labelledby="logs-h">
      <h1 id="logs-h">Logs</h1>
      <p class="muted">
        Prompts and answers are kept only for keys with logging “full”:{' '}
        {logged.length ? logged.map((k) => `${k.name} (${k.log_retention_days} days)`).join(', ') : 'none at the moment'}.
      </p>
      <form class="filters" onSubmit={search}>
        <label>
          Key
          <select value={filters.key} onChange={set('key')}>
            <option value="">all</option>
            {keys.map((k) => (
              <option value={k.id} key={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <select value={filters.model} onChange={set('model')}>
            <option value="">all</option>
            {models.map((m) => (
              <option value={m} key={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          From <input type="date" value={filters.from} onInput={set('from')} />
        </label>
        <label>
          To <input type="date" value={filters.to} onInput={set('to')} />
        </label>
        <label>
          Text <input type="search" value={filters.q} onInput={set('q')} maxLength={200} />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorLine error={error} />
      <Loading when={loading} />
      {entries && entries.length === 0 ? <p>No logged prompts match.</p> : null}
      {entries?.map((e) => (
        <article class="log" key={e.request_id} data-testid="log-entry">
          <h2>
            {dateTime(e.time)} · {e.model} · key {e.key_name ?? e.key_id ?? '—'}
          </h2>
          <p class="muted">
            Request {e.request_id}; kept until {dateTime(e.expires_at)}
            {e.retention_days ? ` (${e.retention_days} days)` : ''}.
          </p>
          <h3>Request</h3>
          <pre class="log-text" data-testid="log-request" tabIndex={0} aria-label="Request">
            {pretty(e.request)}
          </pre>
          <h3>Answer</h3>
          <pre class="log-text" data-testid="log-answer" tabIndex={0} aria-label="Answer">
            {answerText(e.response) ?? '(no text)'}
          </pre>
          <details>
            <summary>Response as sent</summary>
            <pre class="log-text" data-testid="log-response" tabIndex={0} aria-label="Response as sent">
              {e.response}
            </pre>
          </details>
        </article>
      ))}
    </section>
  );
}
