// A labelled progress bar (spend vs budget, KV-cache use).
export function Bar(p: { value: number; max: number; label: string; text: string }) {
  const ratio = p.max > 0 ? Math.min(1, Math.max(0, p.value / p.max)) : 0;
  const level = ratio >= 0.9 ? 'high' : ratio >= 0.7 ? 'mid' : 'low';
  return (
    <span class="bar-wrap">
      <span class="bar" role="progressbar" aria-label={p.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(ratio * 100)}>
        <span class={`bar-fill ${level}`} style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </span>
      <span class="bar-text">{p.text}</span>
    </span>
  );
}
