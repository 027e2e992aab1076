// A slow OpenAI-compatible engine for the many-streams benchmark: every stream gets one token per
// 100 ms, each chunk stamped with the monotonic clock (µs) when it was written, so a client on the same
// machine can measure the delay each chunk took. Streams are spread over ten 10 ms phases so the
// engine writes a tenth of them per tick instead of all at once. Like a real engine it respects
// backpressure: a stream whose socket is full skips its token until the socket drains.
// A user message `pad:N` pads every token to N bytes (the stalled-clients run uses it to fill buffers).
// Usage (child process): node --import tsx bench/support/slow-upstream.ts PORT TOKENS
import type { ServerResponse } from 'node:http';
import { serveUpstream } from './upstream-server.js';

const port = Number(process.argv[2] ?? 0);
const tokens = Number(process.argv[3] ?? 50);
const PHASES = 10;

interface Stream {
  res: ServerResponse;
  head: string;
  tail: string;
  pad: string;
  sent: number;
}
const phases: Set<Stream>[] = Array.from({ length: PHASES }, () => new Set());
let next = 0;
let tick = 0;

const micros = (): number => Number(process.hrtime.bigint() / 1000n);

setInterval(() => {
  const phase = phases[tick++ % PHASES]!;
  for (const s of phase) {
    if (s.res.destroyed) {
      phase.delete(s);
      continue;
    }
    if (s.res.writableNeedDrain) continue;
    s.sent++;
    const last = s.sent >= tokens;
    s.res.write(`${s.head}t${micros()}${s.pad} "},"finish_reason":${last ? '"length"' : 'null'}}]}\n\n`);
    if (last) {
      s.res.end(s.tail);
      phase.delete(s);
    }
  }
}, 100 / PHASES);

serveUpstream(
  port,
  (body, res) => {
    const model = /"model":"([^"]*)"/.exec(body)?.[1] ?? 'bench-model';
    const padBytes = Number(/pad:(\d+)/.exec(body)?.[1] ?? 0);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const usage = `{"prompt_tokens":12,"completion_tokens":${tokens},"total_tokens":${12 + tokens}}`;
    phases[next++ % PHASES]!.add({
      res,
      head: `data: {"id":"cmpl-1","object":"chat.completion.chunk","created":0,"model":"${model}","choices":[{"index":0,"delta":{"content":"`,
      tail: `data: {"id":"cmpl-1","object":"chat.completion.chunk","created":0,"model":"${model}","choices":[],"usage":${usage}}\n\ndata: [DONE]\n\n`,
      pad: 'x'.repeat(padBytes),
      sent: 0,
    });
  },
  1024,
);
