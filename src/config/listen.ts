// HOST:PORT parsing for listen addresses ([::1]:8080 included). A bare port means this machine only
// (127.0.0.1); an empty host (`:9000`) means every interface, which the caller warns about.
export interface ListenAddress {
  host: string;
  port: number;
  /** True for `:PORT`: every interface, reachable from the network, without saying 0.0.0.0. */
  implicitAllInterfaces: boolean;
}

export function parseListen(value: string): ListenAddress {
  if (/^\d{1,5}$/.test(value)) return checked(value, '127.0.0.1', value, false);
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  if (!m) throw new Error(`invalid listen address '${value}': expected HOST:PORT (127.0.0.1:8080), or a port alone for 127.0.0.1`);
  const host = m[1] ?? m[2] ?? '';
  return checked(value, host || '0.0.0.0', m[3] ?? '', host === '');
}

function checked(value: string, host: string, digits: string, implicitAllInterfaces: boolean): ListenAddress {
  const port = Number(digits);
  if (port > 65535) throw new Error(`invalid port in '${value}'`);
  return { host, port, implicitAllInterfaces };
}

/** The warning for `:PORT`; undefined when the address names its host. */
export function listenWarning(value: string, address: ListenAddress): string | undefined {
  if (!address.implicitAllInterfaces) return undefined;
  return `listen '${value}' binds every interface: the gateway is reachable from the network (write 0.0.0.0:${address.port} to mean it, 127.0.0.1:${address.port} or ${address.port} for this machine only)`;
}
