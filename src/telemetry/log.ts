// Structured JSON logs, one line per event, to stdout (info/debug) or stderr (warn/error).
// Info and debug lines (the access log among them) are batched per event-loop turn into one write:
// stdout to a pipe or file is a synchronous write on Linux, too dear once per request.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Start-up and shutdown messages: printed at info level whatever the configured level. */
  announce(msg: string, fields?: Record<string, unknown>): void;
  /** Would a line at this level be written? (Lets callers skip building fields.) */
  enabled(level: LogLevel): boolean;
  /** Writes the batched info/debug lines now. */
  flush(): void;
}

export function createLogger(level: LogLevel = 'info', out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Logger {
  const min = order[level];
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>, always = false): void => {
    if (order[lvl] < min && !always) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }) + '\n';
    if (order[lvl] >= order.warn) {
      flush();
      err.write(line);
    } else if (always) {
      // Announcements (the 'listening' line others wait for) go out at once, in order.
      pending += line;
      flush();
    } else {
      pending += line;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    announce: (m, f) => write('info', m, f, true),
    enabled: (lvl) => order[lvl] >= min,
    flush,
  };
}
