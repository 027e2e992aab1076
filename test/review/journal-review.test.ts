// Review: kill -9 under load used to lose the usage records buffered in memory. With the local
// journal, every request answered more than a few milliseconds before the kill has its record after
// the next start, and a replay never writes a record twice.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { UsageJournal } from '../../src/usage/journal.js';
import { replayJournals } from '../../src/usage/journal-replay.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { testStores } from '../store/services.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { oneModelYaml, startGateway } from '../support/gateway-process.js';

/** Requests answered this long before the kill must have their record (journal interval + one fsync, with room for a busy machine). */
const BOUND_MS = 100;

const rec = (i: number): UsageRecord => ({
  requestId: `j-${i}`, time: Date.now(), keyId: 'k', model: 'm', endpoint: 'chat', backend: 'b', status: 200, outcome: 'completed',
  promptTokens: 3, completionTokens: 4, cachedTokens: 0, tokensEstimated: false, cost: 0.001, queueMs: 0, totalMs: 2, stream: false,
});

describe('review: usage journal', () => {
  it('kill -9 under load: every request answered before the kill has exactly one record after the restart', async () => {
    const engine = await startFakeEngine({ tokenDelayMs: 5, defaultTokens: 5 });
    const dataDir = mkdtempSync(join(tmpdir(), 'relais-kill9-'));
    const yaml = oneModelYaml(engine.url, `log_level: warn\ndata_dir: ${dataDir}`);
    let gw = await startGateway(yaml);
    const answeredAt = new Map<string, number>();
    let stop = false;
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const id = `k9-${c}-${i}`;
        try {
          const r = await fetch(`${gw.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': id },
            body: JSON.stringify({ model: 'm', stream: i % 2 === 0, max_tokens: 5, messages: [{ role: 'user', content: `hi ${i}` }] }),
          });
          const text = await r.text();
          if (r.status === 200 && (i % 2 === 1 || text.includes('[DONE]'))) answeredAt.set(id, Date.now());
        } catch {
          return; // killed
        }
      }
    };
    try {
      const clients = Array.from({ length: 8 }, (_, c) => client(c));
      // Kill 600 ms after a batch reached the store: those 600 ms of records exist only in memory and in the journal.
      const db = new Database(join(dataDir, 'relais.db'), { readonly: true, fileMustExist: true });
      const count = (): number => (db.prepare('SELECT COUNT(*) AS n FROM usage').get() as { n: number }).n;
      // Load first (a busy machine answers fewer per second), then wait for a batch to reach the store.
      for (const end = Date.now() + 30_000; answeredAt.size < 40 && Date.now() < end; ) await sleep(50);
      const seen = count();
      for (let i = 0; i < 200 && count() === seen; i++) await sleep(10);
      await sleep(600);
      const killedAt = Date.now();
      gw.proc.kill('SIGKILL');
      await gw.exited;
      stop = true;
      await Promise.all(clients);
      db.close();

      gw = await startGateway(yaml);
      const replay = gw.lines.find((l) => l.includes('"event":"journal_replay"'));
      assert.ok(replay, gw.lines.join('\n'));
      assert.equal(await gw.stop('SIGTERM'), 0, gw.lines.join('\n'));
      const store = await openStore({ data_dir: dataDir });
      try {
        const ids = new Set<string>();
        const check = new Database(join(dataDir, 'relais.db'), { readonly: true });
        const rows = check.prepare('SELECT request_id, COUNT(*) AS n FROM usage GROUP BY request_id').all() as { request_id: string; n: number }[];
        check.close();
        for (const r of rows) {
          assert.equal(r.n, 1, `record ${r.request_id} written ${r.n} times`);
          ids.add(r.request_id);
        }
        const missing = [...answeredAt].filter(([id]) => !ids.has(id));
        const late = missing.filter(([, at]) => at < killedAt - BOUND_MS);
        console.log(`# kill -9: answered ${answeredAt.size}, recorded ${ids.size}, missing ${missing.length} (answered ${missing.map(([, at]) => killedAt - at).join(', ')} ms before the kill); ${replay}`);
        assert.ok(answeredAt.size > 30, `answered ${answeredAt.size}`);
        assert.deepEqual(late, [], 'answered well before the kill, yet no record');
      } finally {
        await store.close();
      }
      assert.deepEqual(readdirSync(join(dataDir, 'journal')), [], 'a clean stop leaves no journal');
    } finally {
      stop = true;
      await gw.stop('SIGKILL');
      await engine.close();
    }
  });

  for (const kind of testStores) {
    it(`replays a journal once, from the store's watermark, ignoring a torn last line (${kind.name})`, async () => {
      const { store, cleanup } = await kind.open();
      const dir = mkdtempSync(join(tmpdir(), 'relais-journal-'));
      try {
        // A process that wrote records 1..6 to the store, had journaled 1..10, then died.
        const journal = new UsageJournal({ dir, intervalMs: 1 });
        const records = Array.from({ length: 10 }, (_, i) => rec(i + 1));
        records.forEach((r, i) => journal.append(i + 1, r));
        await journal.sync();
        await store.insertUsage(records.slice(0, 6), { journalId: journal.id, seq: 6 });
        appendFileSync(journal.path, '11\t{"requestId":"j-11","ti');
        const warnings: string[] = [];
        const first = await replayJournals(dir, store, (m) => warnings.push(m));
        assert.deepEqual(first, { journals: 1, written: 4, skipped: 6, refused: 0 });
        assert.equal(await store.countUsage(), 10);
        assert.equal(existsSync(journal.path), false);
        assert.equal(await store.journalMark(journal.id), 0, 'the watermark goes with the file');
        assert.deepEqual(await replayJournals(dir, store, () => undefined), { journals: 0, written: 0, skipped: 0, refused: 0 });
        assert.equal(await store.countUsage(), 10);
      } finally {
        await cleanup();
      }
    });
  }
  it('writes at once but fdatasyncs at most once per fsyncMs; sync() and checkpoint keep their order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relais-journal-'));
    const journal = new UsageJournal({ dir, intervalMs: 1, fsyncMs: 300 });
    journal.append(1, rec(1));
    await sleep(50);
    assert.equal(readFileSync(journal.path, 'utf8').split('\n').length, 2, 'written within the interval (kill -9 keeps it)');
    const synced = journal.stats.syncs;
    journal.append(2, rec(2));
    await sleep(50);
    assert.equal(journal.stats.writes, 2);
    assert.ok(journal.stats.syncs <= synced + 1, 'no fdatasync per write');
    // sync() does not wait for the interval.
    journal.append(3, rec(3));
    await journal.sync();
    assert.ok(journal.stats.syncs >= 1);
    // A checkpoint truncates; lines appended after it survive the truncation queued before them.
    journal.checkpoint();
    journal.append(4, rec(4));
    await journal.sync();
    assert.deepEqual(readFileSync(journal.path, 'utf8').trim().split('\n').map((l) => l.split('\t')[0]), ['4']);
    await journal.close(true);
    assert.equal(existsSync(journal.path), false);
  });
});
