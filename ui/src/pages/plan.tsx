// Plan: the capacity planner as a form (POST /admin/plan → ranked configurations, table and chart), and a
// viewer for `relais bench` run files: drop a run.json, see the charts of its HTML report.
import { useEffect, useState } from 'preact/hooks';
import { chartData, type ChartData } from '../../../src/bench/chart-data';
import type { BenchRun } from '../../../src/bench/run-types';
import type { Series } from '../../../src/bench/svg-chart';
import { api } from '../api';
import { Chart, type ChartSeries } from '../components/chart';
import { ErrorLine } from '../components/status';
import { int, maybe } from '../format';

interface Catalog {
  models: { id: string; name: string; context: number }[];
  gpus: { id: string; name: string; memory_gib: number }[];
  engines: string[];
}

interface Configuration {
  gpu: string;
  gpus: number;
  replicas: number;
  engine: string;
  quant: string;
  users_served: number;
  meets_targets: boolean;
  output_tok_s: number | null;
  cost: { eur_month: number | null; purchase_eur: number | null } | null;
  eur_per_million_tokens: number | null;
  at_users: { ttft_s: number | null; per_user_tok_s: number | null } | null;
}

interface PlanAnswer {
  model: string;
  users: number;
  workload: { context: number; prompt_tokens: number; output_tokens: number; min_tps: number; max_ttft_s: number };
  considered: number;
  configurations: Configuration[];
}

/** Series with their own x points → one shared x axis with gaps (uPlot's aligned data). */
function aligned(series: readonly Series[]): { x: number[]; series: ChartSeries[] } {
  const x = [...new Set(series.flatMap((s) => s.points.map(([px]) => px)))].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  return {
    x,
    series: series.map((s) => {
      const values = new Array<number | null>(x.length).fill(null);
      for (const [px, py] of s.points) values[at.get(px) as number] = py;
      return { label: s.name, values, color: s.color, dashed: s.dashed };
    }),
  };
}

export function PlanPage() {
  return (
    <section aria-labelledby="plan-h">
      <h1 id="plan-h">Plan</h1>
      <Planner />
      <BenchViewer />
    </section>
  );
}

function Planner() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [answer, setAnswer] = useState<PlanAnswer | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<Catalog>('/admin/plan').then(setCatalog, (e: Error) => setError(e));
  }, []);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const num = (n: string): number | undefined => {
      const v = String(f.get(n) ?? '').trim();
      return v === '' ? undefined : Number(v);
    };
    const gpu = String(f.get('gpu') ?? '');
    const engine = String(f.get('engine') ?? '');
    setBusy(true);
    try {
      const body = {
        model: String(f.get('model')),
        users: num('users'),
        use_case: String(f.get('use_case')),
        context: num('context'),
        min_tps: num('min_tps'),
        max_ttft_s: num('max_ttft_s'),
        budget_eur: num('budget_eur'),
        pricing: String(f.get('pricing')),
        ...(gpu ? { gpus: [gpu] } : {}),
        ...(engine ? { engine } : {}),
      };
      setAnswer(await api<PlanAnswer>('/admin/plan', { method: 'POST', body }));
      setError(null);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const rows = answer?.configurations ?? [];
  return (
    <>
      <h2>Capacity</h2>
      <form class="grid-form" onSubmit={submit}>
        <label>
          Model
          <select name="model" defaultValue="llama-3.1-8b">
            {catalog?.models.map((m) => (
              <option value={m.id} key={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Simultaneous users <input name="users" type="number" min={1} step={1} defaultValue="50" required />
        </label>
        <label>
          Use case
          <select name="use_case" defaultValue="chat">
            <option value="chat">chat</option>
            <option value="completion">code completion</option>
          </select>
        </label>
        <label>
          Context (tokens) <input name="context" type="number" min={256} step={1} placeholder="use case default" />
        </label>
        <label>
          Minimum tokens/s per user <input name="min_tps" type="number" min={0.1} step="any" placeholder="use case default" />
        </label>
        <label>
          Maximum TTFT (s) <input name="max_ttft_s" type="number" min={0.01} step="any" placeholder="use case default" />
        </label>
        <label>
          GPU
          <select name="gpu" defaultValue="">
            <option value="">any</option>
            {catalog?.gpus.map((g) => (
              <option value={g.id} key={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Engine
          <select name="engine" defaultValue="">
            <option value="">vLLM or llama.cpp</option>
            {catalog?.engines.map((e) => (
              <option value={e} key={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pricing
          <select name="pricing" defaultValue="buy">
            <option value="buy">buy (36 months + power)</option>
            <option value="rent">rent</option>
          </select>
        </label>
        <label>
          Budget (EUR) <input name="budget_eur" type="number" min={1} step="any" placeholder="none" />
        </label>
        <div class="actions wide">
          <button type="submit" disabled={busy || !catalog}>
            Plan
          </button>
        </div>
      </form>
      <ErrorLine error={error} />
      {answer ? (
        <>
          <p class="muted">
            {answer.model}, {answer.users} simultaneous users: context {answer.workload.context}, prompt {answer.workload.prompt_tokens}, output {answer.workload.output_tokens}, ≥{' '}
            {answer.workload.min_tps} tok/s each, TTFT ≤ {answer.workload.max_ttft_s} s. {answer.considered} configurations considered.
          </p>
          {rows.length === 0 ? <p>No configuration meets the targets; loosen them or allow more GPUs.</p> : null}
          {rows.length > 0 ? (
            <>
              <table data-testid="plan-table">
                <caption class="sr-only">Ranked configurations, cheapest first</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">GPU</th>
                    <th scope="col">Engine</th>
                    <th scope="col">Quantization</th>
                    <th scope="col">Users served</th>
                    <th scope="col">TTFT at users</th>
                    <th scope="col">tok/s per user</th>
                    <th scope="col">EUR / month</th>
                    <th scope="col">EUR / 1M tokens</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c, i) => (
                    <tr key={i}>
                      <td>{i + 1}</td>
                      <td>
                        {c.gpus} × {c.gpu}
                        {c.replicas > 1 ? ` (${c.replicas} replicas)` : ''}
                      </td>
                      <td>{c.engine}</td>
                      <td>{c.quant}</td>
                      <td>{int(c.users_served)}</td>
                      <td>{maybe(c.at_users?.ttft_s, 2, ' s')}</td>
                      <td>{maybe(c.at_users?.per_user_tok_s, 1)}</td>
                      <td>{maybe(c.cost?.eur_month, 0)}</td>
                      <td>{maybe(c.eur_per_million_tokens, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Chart
                title="EUR per month and users served, by rank"
                x={rows.map((_, i) => i + 1)}
                series={[
                  { label: 'EUR / month', values: rows.map((c) => c.cost?.eur_month ?? null) },
                  { label: 'users served', values: rows.map((c) => c.users_served) },
                ]}
                xLabel="rank"
                points
              />
            </>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function BenchViewer() {
  const [run, setRun] = useState<{ name: string; run: BenchRun; charts: ChartData } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [over, setOver] = useState(false);
  const read = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    try {
      const doc = JSON.parse(await file.text()) as Partial<BenchRun> | null;
      if (!doc || doc.format !== 'relais-bench-run/1' || !Array.isArray(doc.cells)) throw new Error(`${file.name} is not a relais bench run file (format relais-bench-run/1).`);
      const r = doc as BenchRun;
      setRun({ name: file.name, run: r, charts: chartData(r) });
      setError(null);
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`${file.name} is not JSON: ${err.message}`) : (err as Error));
    }
  };
  const c = run?.charts;
  const xLabel = c?.loadAxis === 'rate' ? 'requests/s (Poisson)' : 'concurrent requests';
  const logX = c?.loadAxis === 'concurrency';
  return (
    <>
      <h2>Benchmark run viewer</h2>
      <div
        class={`drop ${over ? 'over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void read(e.dataTransfer?.files[0]);
        }}
      >
        <label>
          Open a <code>relais bench --out run.json</code> file (or drop it here){' '}
          <input type="file" accept=".json,application/json" onChange={(e) => void read(e.currentTarget.files?.[0])} data-testid="bench-file" />
        </label>
      </div>
      <ErrorLine error={error} />
      {run && c ? (
        <div data-testid="bench-charts">
          <p class="muted">
            {run.name}: {run.run.target.model} at {run.run.target.url}, {run.run.cells.length} cells.
          </p>
          <div class="chart-grid">
            <Chart title={`End-to-end latency vs ${xLabel} (ms)`} {...aligned(c.latency)} xLabel={xLabel} logX={logX} points />
            <Chart title={`Time to first token vs ${xLabel} (ms)`} {...aligned(c.ttft)} xLabel={xLabel} logX={logX} points />
            <Chart title={`Output throughput vs ${xLabel} (tokens/s)`} {...aligned(c.throughput)} xLabel={xLabel} logX={logX} points />
            {c.ttftCdf.filter((d) => d.series.length > 0).map((d) => (
              <Chart key={`t${d.prompt}`} title={`Time to first token distribution, prompt ${d.prompt ?? 'mixed'} (ms)`} {...aligned(d.series)} xLabel="ms" points={false} />
            ))}
            {c.itlCdf.filter((d) => d.series.length > 0).map((d) => (
              <Chart key={`i${d.prompt}`} title={`Inter-token latency distribution, prompt ${d.prompt ?? 'mixed'} (ms)`} {...aligned(d.series)} xLabel="ms" points={false} />
            ))}
          </div>
        </div>
      ) : null}
    </>
  );
}
