// Models and backends, live: polls GET /admin/router every second while the page is visible —
// deployments, fallbacks and admission queue per model; health, breaker, load, KV cache, prefix-cache
// hits, TTFT, tokens/s and errors per backend, from the router's own state and the engines' metrics.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { Bar } from '../components/bar';
import { Chart, type ChartSeries } from '../components/chart';
import { ErrorLine, Loading } from '../components/status';
import { maybe, percent } from '../format';
import type { Price } from '../types';

interface RouterBackend {
  id: string;
  kind: string;
  zone: string;
  hosted: boolean;
  healthy: boolean;
  breaker: string;
  usable: boolean;
  in_flight: number;
  max_concurrency: number | null;
  engine: { running: number | null; waiting: number | null; kv_usage: number | null; fresh: boolean; age_ms: number } | null;
  ttft_ewma_ms: number | null;
  window_s: number | null;
  ttft_p50_ms: number | null;
  ttft_p90_ms: number | null;
  tokens_per_s: number | null;
  requests_per_s: number | null;
  errors: number | null;
  prefix_cache_hit_rate: number | null;
}

interface RouterState {
  time: string;
  models: { name: string; deployments: { backend: string; model: string; context: number | null }[]; fallbacks: string[]; price: Price | null; queue: { waiting: number } }[];
  backends: RouterBackend[];
}

const POLL_MS = 1_000;
const HISTORY = 120;

export function ModelsPage() {
  const [state, setState] = useState<RouterState | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const history = useRef<{ x: number[]; tps: Map<string, (number | null)[]> }>({ x: [], tps: new Map() });
  const [chart, setChart] = useState<{ x: number[]; series: ChartSeries[] } | null>(null);

  useEffect(() => {
    let timer: number | undefined;
    let stopped = false;
    const tick = async (): Promise<void> => {
      if (document.visibilityState === 'visible') {
        try {
          const s = await api<RouterState>('/admin/router');
          if (stopped) return;
          setState(s);
          setError(null);
          const h = history.current;
          h.x.push(Date.parse(s.time) / 1000);
          for (const b of s.backends) {
            const list = h.tps.get(b.id) ?? new Array<number | null>(h.x.length - 1).fill(null);
            list.push(b.tokens_per_s);
            h.tps.set(b.id, list);
          }
          if (h.x.length > HISTORY) {
            h.x.shift();
            for (const l of h.tps.values()) l.shift();
          }
          setChart({ x: [...h.x], series: [...h.tps.entries()].map(([id, v]) => ({ label: id, values: [...v] })) });
        } catch (e) {
          if (!stopped) setError(e as Error);
        }
      }
      if (!stopped) timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  return (
    <section aria-labelledby="models-h">
      <h1 id="models-h">Models and backends</h1>
      <p class="muted" aria-live="off">
        Live: refreshed every second{state ? `, last at ${state.time.slice(11, 19)} UTC` : ''}. Rates are over the last {state?.backends[0]?.window_s ?? '…'} s.
      </p>
      <ErrorLine error={error} />
      <Loading when={!state && !error} />
      {state ? (
        <>
          <h2>Models</h2>
          <table>
            <caption class="sr-only">Models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Deployments (backend → engine model)</th>
                <th scope="col">Fallbacks</th>
                <th scope="col">Waiting in queue</th>
                <th scope="col">Price in / out per 1M</th>
              </tr>
            </thead>
            <tbody>
              {state.models.map((m) => (
                <tr key={m.name}>
                  <td>{m.name}</td>
                  <td>{m.deployments.map((d) => `${d.backend} → ${d.model}`).join(', ')}</td>
                  <td>{m.fallbacks.join(', ') || '—'}</td>
                  <td data-testid={`queue-${m.name}`}>{m.queue.waiting}</td>
                  <td>{m.price ? `${m.price.input} / ${m.price.output}` : 'free'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Backends</h2>
          <div class="scroll" tabIndex={0} role="region" aria-label="Backends table">
            <table>
              <caption class="sr-only">Backends</caption>
              <thead>
                <tr>
                  <th scope="col">Backend</th>
                  <th scope="col">Health</th>
                  <th scope="col">Breaker</th>
                  <th scope="col">In flight</th>
                  <th scope="col">Engine running / waiting</th>
                  <th scope="col">KV cache</th>
                  <th scope="col">Prefix-cache hits</th>
                  <th scope="col">TTFT p50 / p90</th>
                  <th scope="col">Tokens/s</th>
                  <th scope="col">Requests/s</th>
                  <th scope="col">Errors</th>
                </tr>
              </thead>
              <tbody>
                {state.backends.map((b) => (
                  <tr key={b.id} data-backend={b.id}>
                    <td>
                      {b.id}
                      <br />
                      <span class="muted">
                        {b.kind} · {b.zone}
                        {b.hosted ? ' · hosted' : ''}
                      </span>
                    </td>
                    <td>
                      <span class={`status ${b.healthy ? 'active' : 'revoked'}`}>{b.healthy ? 'healthy' : 'down'}</span>
                    </td>
                    <td>{b.breaker}</td>
                    <td>
                      {b.in_flight}
                      {b.max_concurrency ? ` / ${b.max_concurrency}` : ''}
                    </td>
                    <td>{b.engine ? `${b.engine.running ?? '—'} / ${b.engine.waiting ?? '—'}${b.engine.fresh ? '' : ' (stale)'}` : '—'}</td>
                    <td>{b.engine?.kv_usage !== null && b.engine?.kv_usage !== undefined ? <Bar value={b.engine.kv_usage} max={1} label={`KV cache of ${b.id}`} text={percent(b.engine.kv_usage)} /> : '—'}</td>
                    <td>{percent(b.prefix_cache_hit_rate)}</td>
                    <td>
                      {maybe(b.ttft_p50_ms, 0)} / {maybe(b.ttft_p90_ms, 0)} ms
                    </td>
                    <td>{maybe(b.tokens_per_s, 1)}</td>
                    <td>{maybe(b.requests_per_s, 2)}</td>
                    <td>{b.errors ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {chart && chart.x.length > 1 ? <Chart title="Tokens per second by backend (last two minutes)" x={chart.x} series={chart.series} time height={200} points={false} /> : null}
        </>
      ) : null}
    </section>
  );
}
