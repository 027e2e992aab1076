// What a failed statement says: a problem with the rows themselves (retrying them fails again), or
// the database being out of reach (retrying later succeeds). Codes are PostgreSQL SQLSTATEs, SQLite
// result codes and Node's socket errors.

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * True when the rows are at fault: PostgreSQL data exceptions (22), integrity violations (23),
 * program limits (54, e.g. a row too big); SQLite constraint, type and size errors. Anything else —
 * above all a lost connection, or an error without a code — is not: its rows are kept and retried.
 */
export function isRowError(err: unknown): boolean {
  const code = codeOf(err);
  return /^(22|23|54)[0-9A-Z]{3}$/.test(code) || /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}

const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** True when the database cannot be reached or refuses work for now (connection lost, shutting down, busy). */
export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (socketCodes.has(code) || /^(08|53|57P)/.test(code) || /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/.test(message);
}
