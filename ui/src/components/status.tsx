// Loading and error lines; errors are announced to screen readers.
import type { ApiError } from '../api';

export function ErrorLine(p: { error: Error | ApiError | null | undefined }) {
  if (!p.error) return null;
  return (
    <p class="error" role="alert">
      {p.error.message}
    </p>
  );
}

export function Loading(p: { when: boolean }) {
  return p.when ? (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  ) : null;
}
