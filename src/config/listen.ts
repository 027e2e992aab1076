// HOST:PORT parsing for listen addresses ([::1]:8080 included).
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  if (!m) throw new Error(`invalid listen address '${value}': expected HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in '${value}'`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
