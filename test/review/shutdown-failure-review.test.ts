// Review: `relais serve` on PostgreSQL at shutdown. A client's U+0000 must not block the usage
// writes (the process used to log "shutdown failed" and never exit); a store that is down at
// shutdown ends in exit code 1 with the records kept in the journal, written at the next start;
// a second SIGTERM exits at once.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminQuery, dropSchema, POSTGRES_URL, uniqueName } from '../store/services.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { startEngine } from './harness.js';
import { oneModelYaml, startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const PG = new URL(POSTGRES_URL);

const config = (pgUrl: string, schema: string, engineUrl: string, dataDir: string): string =>
  oneModelYaml(engineUrl, `log_level: warn\ndata_dir: ${dataDir}\nstore: { kind: postgres, url: "${pgUrl}", schema: ${schema} }`);

async function chat(gw: GatewayProcess, model: string, n: number): Promise<number> {
  let answered = 0;
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await r.text();
    answered++;
  }
  return answered;
}

/** Resolves with the exit code, or 'running' when the process is still alive after `ms`. */
function exitWithin(gw: GatewayProcess, ms: number): Promise<number | null | 'running'> {
  return Promise.race([gw.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);
}

const count = async (schema: string): Promise<number> => Number((await adminQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.usage`))[0]?.n);

describe('review: shutdown on PostgreSQL', () => {
  it('a U+0000 a client sent is written (as U+FFFD) and SIGTERM exits 0 with every record', async () => {
    // An engine refusing a request with an error that echoes the client's input, NUL included.
    const engine = await startEngine((_req, res, body) => {
      const content = String((body.messages as { content: string }[])[0]?.content);
      const reply = content.startsWith('bad')
        ? { status: 400, json: { error: { message: `invalid prompt: ${content}`, type: 'invalid_request_error' } } }
        : { status: 200, json: { id: 'c', object: 'chat.completion', created: 1, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.json));
    });
    const schema = uniqueName('relais_nul');
    const dataDir = mkdtempSync(join(tmpdir(), 'relais-nul-'));
    const gw = await startGateway(config(POSTGRES_URL, schema, engine.url, dataDir));
    try {
      const bad = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"m","messages":[{"role":"user","content":"bad \\u0000 input"}]}',
      });
      assert.equal(bad.status, 400);
      await bad.text();
      const answered = await chat(gw, 'm', 20);
      assert.equal(gw.proc.exitCode, null);
      gw.proc.kill('SIGTERM');
      assert.equal(await exitWithin(gw, 20_000), 0, gw.lines.join('\n'));
      assert.equal(await count(schema), answered + 1);
      const rows = await adminQuery<{ error: string }>(`SELECT error FROM ${schema}.usage WHERE status = 400`);
      assert.deepEqual(rows.map((r) => r.error), ['invalid prompt: bad \uFFFD input']);
    } finally {
      await gw.stop('SIGKILL');
      await engine.close();
      await dropSchema(schema);
    }
  });

  it('store down at SIGTERM: exit 1 with the records journaled; a second SIGTERM exits at once; the next start writes them', async () => {
    const engine = await startFakeEngine();
    const proxy = await startTcpProxy(PG.hostname, Number(PG.port || 5432));
    const schema = uniqueName('relais_down');
    const dataDir = mkdtempSync(join(tmpdir(), 'relais-down-'));
    const pgUrl = POSTGRES_URL.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`);
    const yaml = config(pgUrl, schema, engine.url, dataDir);
    let gw = await startGateway(yaml);
    try {
      let answered = await chat(gw, 'm', 15);
      proxy.cut();
      gw.proc.kill('SIGTERM');
      // The writer retries for 10 s, then gives up: exit 1, never a process that stays.
      assert.equal(await exitWithin(gw, 25_000), 1, gw.lines.join('\n'));
      assert.ok(gw.lines.some((l) => l.includes('shutdown failed') && l.includes('journal')), gw.lines.join('\n'));

      proxy.restore();
      gw = await startGateway(yaml);
      assert.ok(gw.lines.some((l) => l.includes('"event":"journal_replay"')), gw.lines.join('\n'));
      assert.equal(await count(schema), answered, 'the records of the failed shutdown, written at the next start');

      answered += await chat(gw, 'm', 10);
      proxy.cut();
      gw.proc.kill('SIGTERM');
      assert.equal(await exitWithin(gw, 500), 'running', 'the first SIGTERM drains');
      gw.proc.kill('SIGTERM');
      assert.equal(await exitWithin(gw, 3_000), 143, `a second SIGTERM exits at once:\n${gw.lines.join('\n')}`);

      proxy.restore();
      gw = await startGateway(yaml);
      assert.equal(await count(schema), answered, 'none lost, none written twice');
      gw.proc.kill('SIGTERM');
      assert.equal(await exitWithin(gw, 20_000), 0, gw.lines.join('\n'));
    } finally {
      await gw.stop('SIGKILL');
      await proxy.close();
      await engine.close();
      await dropSchema(schema);
    }
  });
});
