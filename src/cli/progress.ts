// A one-line progress bar for long CLI work (bench sweeps, downloads). Writes to stderr, only on a TTY
// unless forced, so piped output and JSON on stdout stay clean.

export interface ProgressState {
  done: number;
  total: number;
  /** Extra text after the bar (in flight, rate, ...). */
  detail?: string;
}

export class ProgressBar {
  private readonly startedAt = performance.now();
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    force = false,
  ) {
    this.enabled = force || stream.isTTY === true;
  }

  update(state: ProgressState, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.stream.write(`\r${this.render(state, now)}\x1b[K`);
  }

  render(state: ProgressState, now = performance.now()): string {
    const width = 24;
    const frac = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.startedAt) / 1000;
    const eta = frac > 0 && frac < 1 ? (elapsed / frac) * (1 - frac) : 0;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const pct = (frac * 100).toFixed(0).padStart(3);
    return `${this.label} ${bar} ${pct}% ${state.done}/${state.total} · ${formatDuration(elapsed)} elapsed${eta > 0 ? ` · ETA ${formatDuration(eta)}` : ''}${state.detail ? ` · ${state.detail}` : ''}`;
  }

  finish(state: ProgressState): void {
    if (!this.enabled) return;
    this.stream.write(`\r${this.render(state)}\x1b[K\n`);
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
