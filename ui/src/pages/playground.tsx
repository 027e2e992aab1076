// Playground: chat with the models the signed-in key may use, streamed, with system prompt, temperature
// and max tokens; each answer shows TTFT, tokens/s, the backend that served it, tokens and cost. Stop
// aborts the request, and the gateway aborts the engine's generation with it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { costOf } from '../../../src/usage/cost';
import { api, apiFetch } from '../api';
import { ErrorLine } from '../components/status';
import { credits, int, maybe } from '../format';
import type { KeyModel, List } from '../types';

interface Stats {
  ttftMs: number | null;
  tokensPerS: number | null;
  backend: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cost: number | null;
  requestId: string | null;
}

interface Turn {
  role: 'user' | 'assistant';
  content: string;
  stats?: Stats;
  state?: 'streaming' | 'done' | 'stopped' | 'failed';
  error?: string;
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  error?: { message?: string };
}

/** Splits an SSE byte stream into the JSON of its `data:` lines. */
async function* sseJson(body: ReadableStream<Uint8Array>): AsyncGenerator<Chunk> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, end);
      buf = buf.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return;
        yield JSON.parse(data) as Chunk;
      }
    }
  }
}

export function PlaygroundPage() {
  const [models, setModels] = useState<KeyModel[]>([]);
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [temperature, setTemperature] = useState('0.7');
  const [maxTokens, setMaxTokens] = useState('256');
  const [input, setInput] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const abort = useRef<AbortController | null>(null);
  const streaming = turns.at(-1)?.state === 'streaming';

  useEffect(() => {
    api<List<KeyModel>>('/v1/key/models').then(
      (r) => {
        setModels(r.data);
        setModel((m) => m || r.data[0]?.id || '');
      },
      (e: Error) => setError(e),
    );
    return () => abort.current?.abort();
  }, []);

  const update = (patch: Partial<Turn>): void => setTurns((t) => [...t.slice(0, -1), { ...(t.at(-1) as Turn), ...patch }]);

  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    const text = input.trim();
    if (!text || !model || streaming) return;
    const history = [...turns.filter((t) => t.state !== 'failed'), { role: 'user', content: text } as Turn];
    setTurns([...history, { role: 'assistant', content: '', state: 'streaming' }]);
    setInput('');
    setError(null);
    const ctl = new AbortController();
    abort.current = ctl;
    const price = models.find((m) => m.id === model)?.price ?? undefined;
    const started = performance.now();
    let first: number | null = null;
    let content = '';
    const stats: Stats = { ttftMs: null, tokensPerS: null, backend: null, promptTokens: null, completionTokens: null, cost: null, requestId: null };
    try {
      const messages = [...(system.trim() ? [{ role: 'system', content: system.trim() }] : []), ...history.map((t) => ({ role: t.role, content: t.content }))];
      const body: Record<string, unknown> = { model, messages, stream: true, stream_options: { include_usage: true } };
      if (temperature.trim() !== '') body.temperature = Number(temperature);
      if (maxTokens.trim() !== '') body.max_tokens = Number(maxTokens);
      const r = await apiFetch('/v1/chat/completions', { method: 'POST', body, signal: ctl.signal });
      stats.backend = r.headers.get('x-relais-backend');
      stats.requestId = r.headers.get('x-request-id');
      for await (const chunk of sseJson(r.body as ReadableStream<Uint8Array>)) {
        if (chunk.error) throw new Error(chunk.error.message ?? 'The stream failed.');
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) {
          if (first === null) {
            first = performance.now();
            stats.ttftMs = first - started;
          }
          content += delta;
          update({ content });
        }
        if (chunk.usage) {
          stats.promptTokens = chunk.usage.prompt_tokens ?? null;
          stats.completionTokens = chunk.usage.completion_tokens ?? null;
          stats.cost = costOf(price, chunk.usage.prompt_tokens ?? 0, chunk.usage.completion_tokens ?? 0, chunk.usage.prompt_tokens_details?.cached_tokens ?? 0);
        }
      }
      const end = performance.now();
      if (first !== null && stats.completionTokens !== null && end > first) stats.tokensPerS = stats.completionTokens / ((end - first) / 1000);
      update({ content, stats: { ...stats }, state: 'done' });
    } catch (err) {
      if (ctl.signal.aborted) update({ content, stats: { ...stats }, state: 'stopped' });
      else update({ content, stats: { ...stats }, state: 'failed', error: (err as Error).message });
    } finally {
      abort.current = null;
    }
  };

  return (
    <section aria-labelledby="play-h" class="playground">
      <h1 id="play-h">Playground</h1>
      <ErrorLine error={error} />
      <div class="play-settings">
        <label>
          Model
          <select value={model} onChange={(e) => setModel(e.currentTarget.value)}>
            {models.map((m) => (
              <option value={m.id} key={m.id}>
                {m.id}
                {m.price ? ` (${m.price.input} / ${m.price.output} per 1M)` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Temperature <input type="number" min={0} max={2} step={0.1} value={temperature} onInput={(e) => setTemperature(e.currentTarget.value)} />
        </label>
        <label>
          Max tokens <input type="number" min={1} step={1} value={maxTokens} onInput={(e) => setMaxTokens(e.currentTarget.value)} />
        </label>
        <label class="wide">
          System prompt <textarea rows={2} value={system} onInput={(e) => setSystem(e.currentTarget.value)} />
        </label>
      </div>
      <ol class="conversation" aria-label="Conversation" aria-live="polite">
        {turns.map((t, i) => (
          <li key={i} class={`msg ${t.role}`} data-testid={t.role === 'assistant' ? 'answer' : 'question'} data-state={t.state}>
            <span class="role">{t.role === 'user' ? 'You' : 'Model'}</span>
            <div class="text">{t.content || (t.state === 'streaming' ? '…' : '')}</div>
            {t.role === 'assistant' && t.state !== 'streaming' ? (
              <p class="stats" data-testid="answer-stats">
                {t.state === 'stopped' ? 'Stopped. ' : ''}
                {t.state === 'failed' ? `Failed: ${t.error ?? ''} ` : ''}
                TTFT {maybe(t.stats?.ttftMs, 0, ' ms')} · {maybe(t.stats?.tokensPerS, 1, ' tok/s')} · backend {t.stats?.backend ?? '—'} · tokens {t.stats?.promptTokens !== null && t.stats?.promptTokens !== undefined ? int(t.stats.promptTokens) : '—'} in /{' '}
                {t.stats?.completionTokens !== null && t.stats?.completionTokens !== undefined ? int(t.stats.completionTokens) : '—'} out · cost <span data-testid="answer-cost">{credits(t.stats?.cost)}</span>
              </p>
            ) : null}
          </li>
        ))}
      </ol>
      <form class="composer" onSubmit={send}>
        <label for="play-input" class="sr-only">
          Message
        </label>
        <textarea
          id="play-input"
          rows={3}
          value={input}
          placeholder="Message (Enter sends, Shift+Enter for a new line)"
          onInput={(e) => setInput(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              (e.currentTarget.form as HTMLFormElement).requestSubmit();
            }
          }}
        />
        <div class="actions">
          <button type="submit" disabled={streaming || !model}>
            Send
          </button>
          <button type="button" class="danger" disabled={!streaming} onClick={() => abort.current?.abort()}>
            Stop
          </button>
          <button type="button" class="secondary" disabled={streaming || turns.length === 0} onClick={() => setTurns([])}>
            Clear
          </button>
        </div>
      </form>
    </section>
  );
}
