// Ollama's keep_alive: Go-style durations ("5m", "1h30m", "250ms") or plain seconds;
// negative keeps the model loaded forever, 0 unloads it right after the request.

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds; Infinity for "forever". Throws on text that is not a duration. */
export function parseKeepAlive(value: string | number): number {
  if (typeof value === 'number') return value < 0 ? Infinity : value * 1000;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseKeepAlive(Number(text));
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1000);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== body.length) throw new Error(`invalid keep_alive '${value}' (expected e.g. 5m, 30s, 1h, 0 or -1)`);
  return negative ? Infinity : total;
}
