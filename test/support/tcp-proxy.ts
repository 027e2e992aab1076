// A loopback TCP proxy in front of a real service (PostgreSQL): tests cut every connection, or take
// the "network" down and up again, without touching the shared server.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Local ports of the proxy's connections to the service (PostgreSQL's pg_stat_activity.client_port). */
  upstreamPorts(): number[];
  /** Resets every open connection (both sides). */
  cut(): void;
  /** Down: every open connection is reset and new ones are closed at once; up: back to normal. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = (): void => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    upstreamPorts: () => [...pairs].flatMap(({ upstream }) => (upstream.localPort === undefined ? [] : [upstream.localPort])),
    cut,
    setDown(value) {
      down = value;
      if (value) cut();
    },
    close: () =>
      new Promise<void>((r) => {
        cut();
        server.close(() => r());
      }),
  };
}
