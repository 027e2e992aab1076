// GET /admin/usage/export and `relais usage export` over real HTTP, on SQLite and PostgreSQL: JSONL and
// CSV (escaping), prompt logs, range checks, keyset pages across equal times, and backpressure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { createAccess } from '../../src/access/create-access.js';
import { configSchema } from '../../src/config/schema.js';
import { adminRoutes } from '../../src/server/admin/routes.js';
import { Gateway } from '../../src/server/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { createLogger } from '../../src/telemetry/log.js';
import { createUsageWriter, type UsageWriter } from '../../src/usage/batched-writer.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { UsageRetention } from '../../src/usage/retention.js';
import { runCli } from '../support/gateway-process.js';
import { POSTGRES_URL, dropSchema, uniqueName } from '../store/services.js';

const MASTER = 'sk-master-export-test';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1, 10);
const nasty = 'a,b "quoted"\r\nline two\u0000end';

function record(id: string, time: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: id, time, keyId: 'k1', userId: 'u1', teamId: undefined, model: 'm', endpoint: 'chat', backend: 'b1', status: 200, outcome: 'completed',
    promptTokens: 10, completionTokens: 5, cachedTokens: undefined, tokensEstimated: false, cost: 0.125, queueMs: 1, ttftMs: undefined, totalMs: 3.5,
    stream: true, finishReason: 'stop', ...over,
  };
}

/** RFC 4180 parser (test side): quoted fields with doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field, '', 'the text ends with a line break');
  return rows;
}

interface Opened {
  store: Store;
  cleanup(): Promise<void>;
  /** A relais.yaml for the CLI on the same store. */
  configFile: string;
}

const kinds: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'relais-export-'));
      const store = await openStore({ data_dir: dir });
      const configFile = join(dir, 'relais.yaml');
      writeFileSync(configFile, `data_dir: ${dir}\nmodels: []\n`);
      return { store, configFile, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'postgres',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'relais-export-'));
      const schema = uniqueName('relais_export');
      const store = await openStore({ data_dir: dir, store: { kind: 'postgres', url: POSTGRES_URL, schema } });
      const configFile = join(dir, 'relais.yaml');
      writeFileSync(configFile, `data_dir: ${dir}\nmodels: []\nstore: { kind: postgres, url: '${POSTGRES_URL}', schema: ${schema} }\n`);
      return {
        store, configFile,
        cleanup: async () => {
          await store.close();
          await dropSchema(schema);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

for (const kind of kinds) {
  describe(`usage export: ${kind.name}`, () => {
    let o: Opened;
    let usage: UsageWriter;
    let gateway: Gateway;
    let base: string;
    let exportReads = 0;

    before(async () => {
      o = await kind.open();
      // The store as the admin routes see it, counting export pages (to see backpressure at work).
      const counted = new Proxy(o.store, {
        get(target, p) {
          if (p === 'exportUsage') return (...args: Parameters<Store['exportUsage']>) => ((exportReads += 1), target.exportUsage(...args));
          const v = Reflect.get(target, p, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const config = configSchema.parse({ master_key: MASTER, log_level: 'error', models: [], access: { open: 'never' } });
      const access = await createAccess({ config, store: o.store, redis: null, warn: () => undefined });
      usage = createUsageWriter(o.store, { flushMs: 50, warn: () => undefined });
      const retention = new UsageRetention(o.store, { retentionDays: 90, everyMs: 0, pauseMs: 0, warn: () => undefined });
      gateway = await Gateway.create(config, {
        log: createLogger('error'), access, usage,
        extraRoutes: adminRoutes({ store: counted, access, usage, retention, maxBodyBytes: 1 << 20 }),
      });
      base = `http://127.0.0.1:${(await gateway.listen('127.0.0.1', 0)).port}`;
      await o.store.insertUsage([
        record('r1', T0, { error: nasty, outcome: 'upstream_error', status: 502 }),
        record('r2', T0 + 1000, { keyId: 'k2', cost: undefined, promptTokens: undefined }),
        record('r3', T0 + DAY + 5),
        record('r0-before', T0 - DAY),
      ]);
      await o.store.insertPromptLogs([{ requestId: 'r1', time: T0, keyId: 'k1', model: 'm', request: JSON.stringify({ q: nasty }), response: nasty, expiresAt: T0 + 365 * DAY }]);
    });
    after(async () => {
      await gateway.close(1000);
      await o.cleanup();
    });

    const get = async (query: string, key = MASTER): Promise<{ status: number; type: string | null; text: string }> => {
      const res = await fetch(`${base}/admin/usage/export?${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };

    it('streams JSONL: every record of the range in time order, nothing outside it', async () => {
      const r = await get('from=2026-03-01&to=2026-03-02');
      assert.equal(r.status, 200, r.text);
      assert.match(r.type ?? '', /application\/x-ndjson/);
      const lines = r.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines.map((l) => l.request_id), ['r1', 'r2', 'r3']);
      assert.equal(lines[0]?.time, new Date(T0).toISOString());
      assert.equal(lines[0]?.error, nasty.replace('\u0000', '\uFFFD'), 'text as stored: U+0000 never reaches the database');
      assert.equal(lines[0]?.outcome, 'upstream_error');
      assert.equal(lines[1]?.cost, null, 'unknown stays null, not 0');
      assert.equal(lines[1]?.prompt_tokens, null);
      assert.equal(lines[0]?.stream, true);
      assert.equal('request' in (lines[0] ?? {}), false, 'no prompt columns unless asked');
    });

    it('streams CSV with commas, quotes and line breaks quoted, and prompt logs when asked', async () => {
      const r = await get('from=2026-03-01&to=2026-03-01&format=csv&include=prompts');
      assert.equal(r.status, 200, r.text);
      assert.match(r.type ?? '', /text\/csv/);
      assert.equal(r.text.includes('\u0000'), false);
      const [header, ...rows] = parseCsv(r.text);
      assert.deepEqual(header?.slice(-2), ['request', 'response']);
      assert.equal(rows.length, 2);
      const col = (name: string, row: string[] | undefined): string | undefined => row?.[(header as string[]).indexOf(name)];
      assert.equal(col('request_id', rows[0]), 'r1');
      assert.equal(col('error', rows[0]), nasty.replace('\u0000', '\uFFFD'));
      assert.equal(col('response', rows[0]), nasty.replace('\u0000', '\uFFFD'));
      assert.equal(col('request', rows[0]), JSON.stringify({ q: nasty }), 'a JSON body escapes U+0000 itself');
      assert.equal(col('request', rows[1]), '', 'r2 has no prompt log');
      assert.equal(col('cost', rows[1]), '');
      assert.equal(col('tokens_estimated', rows[0]), 'false');
      const json = await get('from=2026-03-01&to=2026-03-01&include=prompts');
      const first = JSON.parse(json.text.split('\n')[0] as string) as Record<string, unknown>;
      assert.equal(first.response, nasty.replace('\u0000', '\uFFFD'));
    });

    it('answers bad ranges and parameters with 400 naming the parameter, and refuses non-admins', async () => {
      for (const [q, param] of [
        ['from=yesterday&to=2026-03-02', 'from'], ['from=2026-03-01&to=2026-13-45', 'to'], ['from=2026-03-05&to=2026-03-01', 'from'],
        ['from=2026-03-01&to=2026-03-02&format=xml', 'format'], ['from=2026-03-01&to=2026-03-02&include=everything', 'include'],
        ['from=-5&to=2026-03-02', 'from'], ['from=2026-03-01&to=99999999999999999', 'to'], ['from=2026-03-01%00&to=2026-03-02', 'from'],
      ] as const) {
        const r = await get(q);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal((JSON.parse(r.text) as { error: { param: string } }).error.param, param, q);
      }
      assert.equal((await get('from=2026-03-01&to=2026-03-02', '')).status, 401);
    });

    it('POST /admin/usage/purge purges and reports counts', async () => {
      const purge = (q = ''): Promise<Response> => fetch(`${base}/admin/usage/purge${q}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}` } });
      for (const q of ['?retention_days=30', '?retention_days=abc', '?retention_days=-1', '?retention_days=1e3', '?retention_days=9999999']) {
        const bad = await purge(q);
        assert.equal(bad.status, 400, q);
        assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'retention_days');
      }
      // Keeping more than configured is allowed: a purge in steps.
      const longer = (await (await purge('?retention_days=5000')).json()) as Record<string, unknown>;
      assert.equal(longer.retention_days, 5000);
      assert.equal(longer.usage_rows, 0);
      const r = await fetch(`${base}/admin/usage/purge`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}` } });
      const body = (await r.json()) as Record<string, unknown>;
      assert.equal(r.status, 200, JSON.stringify(body));
      assert.equal(body.ran, true);
      assert.equal(body.retention_days, 90);
      // The records above are from March 2026; whether they are past 90 days depends on today.
      const expected = Date.now() - 91 * DAY > T0 + 2 * DAY ? 4 : 0;
      assert.equal(body.usage_rows, expected);
      if (expected > 0) {
        await o.store.insertUsage([record('r1', T0), record('r2', T0 + 1000), record('r3', T0 + DAY + 5), record('r0-before', T0 - DAY)]);
      }
      assert.equal((await fetch(`${base}/admin/usage/purge`, { headers: { authorization: `Bearer ${MASTER}` } })).status, 405);
    });

    it('pages through many records sharing timestamps, and reads only as fast as the client does', async () => {
      const start = Date.UTC(2026, 2, 10);
      // ~2 kB a record: far more than socket buffers hold, so a stalled client must stall the reads.
      const n = kind.name === 'sqlite' ? 20_000 : 12_000;
      const many: UsageRecord[] = [];
      // Seven records per millisecond: pages end in the middle of equal times.
      for (let i = 0; i < n; i++) many.push(record(`bulk-${String(i).padStart(6, '0')}`, start + Math.floor(i / 7), { error: 'x'.repeat(2000) }));
      for (let i = 0; i < n; i += 1000) await o.store.insertUsage(many.slice(i, i + 1000));
      exportReads = 0;
      const res = await request(`${base}/admin/usage/export?from=2026-03-10&to=2026-03-10`, { headers: { authorization: `Bearer ${MASTER}` } });
      assert.equal(res.statusCode, 200);
      const it = res.body[Symbol.asyncIterator]();
      await it.next();
      await sleep(500);
      const pages = Math.ceil(n / 1000);
      assert.ok(exportReads < pages, `a client that stopped reading holds the export back (${exportReads} of ${pages} pages read)`);
      let text = '';
      for (let c = await it.next(); !c.done; c = await it.next()) text += (c.value as Buffer).toString();
      const ids = text.trimEnd().split('\n').slice(1).map((l) => (JSON.parse(l) as { request_id: string }).request_id);
      // The first chunk was dropped above: what follows is the rest, in order, each once.
      assert.ok(ids.length > n - 1500 && ids.length < n, `${ids.length}`);
      assert.deepEqual(ids, [...ids].sort());
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids[ids.length - 1], `bulk-${String(n - 1).padStart(6, '0')}`);
      const full = await get('from=2026-03-10&to=2026-03-10&format=csv');
      const rows = parseCsv(full.text);
      assert.equal(rows.length, n + 1);
      assert.deepEqual(rows.slice(1).map((r) => r[0]), many.map((r) => r.requestId));
    });

    it('stops reading when the client goes away, and keeps serving', async () => {
      const ac = new AbortController();
      exportReads = 0;
      const res = await request(`${base}/admin/usage/export?from=2026-03-10&to=2026-03-10&format=csv`, { headers: { authorization: `Bearer ${MASTER}` }, signal: ac.signal });
      const it = res.body[Symbol.asyncIterator]();
      await it.next();
      ac.abort();
      await sleep(300);
      const atAbort = exportReads;
      await sleep(500);
      assert.equal(exportReads, atAbort, 'no page read after the client left');
      assert.ok(atAbort < 12, `${atAbort} pages`);
      const next = await get('from=2026-03-01&to=2026-03-02');
      assert.equal(next.status, 200);
      assert.equal(next.text.trimEnd().split('\n').length, 3);
    });

    it('relais usage export writes a file from the store and through the admin API, with progress on stderr', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'relais-export-cli-'));
      try {
        const direct = join(dir, 'direct.csv');
        const viaStore = await runCli(['usage', 'export', '--config', o.configFile, '--from', '2026-03-01', '--to', '2026-03-02', '--format', 'csv', '--include-prompts', '--output', direct]);
        assert.equal(viaStore.code, 0, viaStore.stderr);
        assert.match(viaStore.stderr, /done, 3 records/);
        const viaApi = join(dir, 'api.csv');
        const http = await runCli(['usage', 'export', '--url', base, '--admin-key', MASTER, '--from', '2026-03-01', '--to', '2026-03-02', '--format', 'csv', '--include-prompts', '--output', viaApi]);
        assert.equal(http.code, 0, http.stderr);
        assert.match(http.stderr, /done/);
        assert.equal(readFileSync(viaApi, 'utf8'), readFileSync(direct, 'utf8'), 'both ways give the same file');
        assert.equal(parseCsv(readFileSync(direct, 'utf8')).length, 4);
        const bad = await runCli(['usage', 'export', '--url', base, '--admin-key', MASTER, '--from', '2026-03-09', '--to', '2026-03-01', '--output', join(dir, 'bad.jsonl')]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /from must be before to/);
        const denied = await runCli(['usage', 'export', '--url', base, '--admin-key', 'wrong', '--from', '2026-03-01', '--to', '2026-03-02', '--output', join(dir, 'denied.jsonl')]);
        assert.equal(denied.code, 1);
        assert.match(denied.stderr, /401/);
        assert.equal(existsSync(join(dir, 'denied.jsonl')) || existsSync(join(dir, 'denied.jsonl.partial')), false, 'no partial file is left');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

it('CSV fields: U+0000 dropped, commas, quotes and line breaks quoted, quotes doubled', async () => {
  const { csvField } = await import('../../src/server/admin/csv.js');
  assert.equal(csvField('a\u0000b'), 'ab');
  assert.equal(csvField('x,"y"'), '"x,""y"""');
  assert.equal(csvField('one\ntwo'), '"one\ntwo"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(0), '0');
});
