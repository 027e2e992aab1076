// A fast OpenAI-compatible upstream for the overhead benchmark: fixed answers (100 SSE chunks when
// streaming) that echo the requested model name, as engines do. Answers are built once per model name.
// Usage (child process): node --import tsx bench/support/fast-upstream.ts PORT
import { serveUpstream } from './upstream-server.js';

const port = Number(process.argv[2] ?? 0);
const usage = { prompt_tokens: 12, completion_tokens: 100, total_tokens: 112 };

interface Answers {
  json: Buffer;
  chunks: Buffer[];
  tail: Buffer;
}
const cache = new Map<string, Answers>();

function answersFor(model: string): Answers {
  let a = cache.get(model);
  if (a) return a;
  const json = Buffer.from(
    JSON.stringify({ id: 'cmpl-1', object: 'chat.completion', created: 0, model, choices: [{ index: 0, message: { role: 'assistant', content: 'tok '.repeat(100) }, finish_reason: 'length' }], usage }),
  );
  const chunks: Buffer[] = [];
  for (let i = 0; i < 100; i++) {
    chunks.push(Buffer.from(`data: ${JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: { content: 'tok ' }, finish_reason: i === 99 ? 'length' : null }] })}\n\n`));
  }
  const tail = Buffer.from(`data: ${JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\ndata: [DONE]\n\n`);
  a = { json, chunks, tail };
  cache.set(model, a);
  return a;
}

serveUpstream(port, (body, res) => {
  const a = answersFor(/"model":"([^"]*)"/.exec(body)?.[1] ?? 'bench-model');
  if (body.includes('"stream":true')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Ten writes of ten chunks: a stream that arrives in pieces, as from an engine under load.
    for (let i = 0; i < 100; i += 10) res.write(Buffer.concat(a.chunks.slice(i, i + 10)));
    res.end(a.tail);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': a.json.length });
  res.end(a.json);
});
