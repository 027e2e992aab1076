// Structured JSON logs, one line per event, to stdout (info/debug) or stderr (warn/error).
// Info and debug lines (the access log among them) are batched: written every FLUSH_MS or once
// BATCH_BYTES are pending. stdout to a pipe or file is a synchronous write on Linux, and a system
// call per event-loop turn cost the hot path more than building the lines did. Warn and error lines
// are written at once (after what is pending, so the order holds).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const FLUSH_MS = 25;
const BATCH_BYTES = 64 * 1024;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Start-up and shutdown messages: printed at info level whatever the configured level. */
  announce(msg: string, fields?: Record<string, unknown>): void;
  /** A line already built (one JSON object and its newline, starting with `timestampField()`), batched like info lines. */
  line(text: string): void;
  /** Would a line at this level be written? (Lets callers skip building fields.) */
  enabled(level: LogLevel): boolean;
  /** Writes the batched info/debug lines now. */
  flush(): void;
}

/** Loggers holding batched lines: written if the process exits before their timer fires. */
const unflushed = new Set<() => void>();
let exitHook = false;

let lastMs = 0;
let lastIso = '';

/** The line's `"time":"…"` field; the ISO text is built once per millisecond. */
export function timestampField(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = `"time":"${new Date(now).toISOString()}"`;
  }
  return lastIso;
}

export function createLogger(level: LogLevel = 'info', out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Logger {
  const min = order[level];
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    unflushed.delete(flush);
    if (pending === '') return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  const batch = (line: string): void => {
    pending += line;
    if (pending.length >= BATCH_BYTES) return flush();
    if (timer !== undefined) return;
    timer = setTimeout(flush, FLUSH_MS);
    // An exit (process.exit, an uncaught error) before the timer fires still writes them: stdout to a pipe or file is synchronous.
    unflushed.add(flush);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const f of [...unflushed]) f();
      });
    }
  };
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>, always = false): void => {
    if (order[lvl] < min && !always) return;
    const rest = fields === undefined ? '' : JSON.stringify(fields).slice(1, -1);
    const line = `{${timestampField()},"level":"${lvl}","msg":${JSON.stringify(msg)}${rest === '' ? '' : ','}${rest}}\n`;
    if (order[lvl] >= order.warn) {
      flush();
      err.write(line);
    } else if (always) {
      // Announcements (the 'listening' line others wait for) go out at once, in order.
      pending += line;
      flush();
    } else {
      batch(line);
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    announce: (m, f) => write('info', m, f, true),
    line: (text) => {
      if (min <= order.info) batch(text);
    },
    enabled: (lvl) => order[lvl] >= min,
    flush,
  };
}
