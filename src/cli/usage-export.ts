// relais usage export --from DATE --to DATE [--format jsonl|csv] [--include-prompts] [--output FILE]:
// raw usage records (and prompt logs) of a range, streamed from a gateway's admin API or the store.
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { GatewayError } from '../protocol/errors.js';
import { exportParams } from '../server/admin/usage-export.js';
import { timeRange } from '../server/admin/time-range.js';
import { exportLines } from '../usage/export-lines.js';
import { openConfiguredStore } from './admin-target.js';

const help = `Usage: relais usage export --from DATE --to DATE [--format jsonl|csv] [--include-prompts] [--output FILE]

  --from, --to        the range (YYYY-MM-DD, to inclusive; ISO date-time or epoch ms)
  --format            jsonl (default) or csv
  --include-prompts   add each record's prompt log (request, response) for keys with logging: full
  --output            file to write (default: standard output); written as FILE.partial, renamed when complete
  --config FILE | --url URL --admin-key KEY   as for 'relais keys'
Progress goes to standard error.
`;

type Out = { write(chunk: string): Promise<void>; done(): Promise<void>; fail(): void };

function fileOut(path: string | undefined): Out {
  if (path === undefined || path === '-') {
    return {
      write: async (c) => {
        if (!process.stdout.write(c)) await once(process.stdout, 'drain');
      },
      done: async () => undefined,
      fail: () => undefined,
    };
  }
  const partial = `${path}.partial`;
  const s: WriteStream = createWriteStream(partial);
  return {
    write: async (c) => {
      if (!s.write(c)) await once(s, 'drain');
    },
    done: async () => {
      s.end();
      await once(s, 'finish');
      renameSync(partial, path);
    },
    fail: () => {
      s.destroy();
      rmSync(partial, { force: true });
    },
  };
}

function progress(): { update(text: string): void; end(text: string): void } {
  let last = 0;
  const tty = process.stderr.isTTY === true;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 1_000) return;
      last = now;
      process.stderr.write(tty ? `\r${text}` : `${text}\n`);
    },
    end(text) {
      process.stderr.write(tty ? `\r${text}\n` : `${text}\n`);
    },
  };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function runExport(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, 'include-prompts': { type: 'boolean' },
        output: { type: 'string', short: 'o' }, config: { type: 'string' }, url: { type: 'string' }, 'admin-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`relais usage export: ${err instanceof Error ? err.message : String(err)}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    console.log(help);
    return 0;
  }
  if (!values.from || !values.to) {
    console.error(`relais usage export: --from and --to are required\n\n${help}`);
    return 2;
  }
  const query = new URLSearchParams({ from: values.from, to: values.to, format: values.format ?? 'jsonl' });
  if (values['include-prompts']) query.set('include', 'prompts');
  let range: { from: number; to: number };
  let params: ReturnType<typeof exportParams>;
  try {
    range = timeRange(query);
    params = exportParams(query);
  } catch (err) {
    if (err instanceof GatewayError) {
      console.error(`relais usage export: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const out = fileOut(values.output);
  const p = progress();
  let bytes = 0;
  try {
    if (values.url) {
      const base = values.url.replace(/\/+$/, '');
      const adminKey = values['admin-key'] ?? process.env.RELAIS_ADMIN_KEY;
      const res = await fetch(`${base}/admin/usage/export?${query.toString()}`, { headers: adminKey ? { authorization: `Bearer ${adminKey}` } : {} });
      if (!res.ok || !res.body) {
        const text = await res.text();
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
        } catch {
          // not JSON
        }
        throw new Error(`${res.status}: ${message}`);
      }
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        const chunk = r.value;
        bytes += chunk.byteLength;
        await out.write(decoder.decode(chunk, { stream: true }));
        p.update(`relais usage export: ${mb(bytes)}`);
      }
      await out.write(decoder.decode());
      await out.done();
      p.end(`relais usage export: done, ${mb(bytes)}`);
      return 0;
    }
    const store = await openConfiguredStore(values.config);
    let records = 0;
    try {
      for await (const chunk of exportLines(store, { ...range, ...params }, (n) => (records = n))) {
        bytes += Buffer.byteLength(chunk);
        await out.write(chunk);
        p.update(`relais usage export: ${records} records, ${mb(bytes)}`);
      }
    } finally {
      await store.close();
    }
    await out.done();
    p.end(`relais usage export: done, ${records} records, ${mb(bytes)}`);
    return 0;
  } catch (err) {
    out.fail();
    console.error(`relais usage export: failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
