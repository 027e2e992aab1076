// A raw TCP client for the review tests: writes exactly the bytes given (half-sent bodies, pipelined
// requests) and collects what the server answers until it closes the connection or the test gives up.
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  readonly socket: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server closed the connection (true) or after `ms` (false). */
  closed(ms: number): Promise<boolean>;
  /** Resolves once the received text matches, or rejects after `ms`. */
  until(pattern: RegExp, ms: number): Promise<string>;
}

export function rawExchange(url: string, bytes: string): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    const waiters: (() => void)[] = [];
    const wake = (): void => {
      for (const w of waiters.splice(0)) w();
    };
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes);
      resolve(exchange);
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      wake();
    });
    socket.on('close', () => {
      ended = true;
      wake();
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    const text = (): string => Buffer.concat(chunks).toString('utf8');
    const wait = (done: () => boolean, ms: number): Promise<boolean> =>
      new Promise((res) => {
        const timer = setTimeout(() => res(done()), ms);
        const check = (): void => {
          if (done()) {
            clearTimeout(timer);
            res(true);
          } else waiters.push(check);
        };
        check();
      });
    const exchange: RawExchange = {
      socket,
      text,
      closed: (ms) => wait(() => ended, ms),
      until: async (pattern, ms) => {
        if (await wait(() => pattern.test(text()) || ended, ms)) {
          if (pattern.test(text())) return text();
        }
        throw new Error(`no ${String(pattern)} within ${ms} ms; received: ${text().slice(0, 500)}`);
      },
    };
  });
}

/** A POST whose headers promise `declared` bytes of which only `sent` are written. */
export function halfSentPost(path: string, sent: string, declared: number, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${extra}content-length: ${declared}\r\n\r\n${sent}`;
}
