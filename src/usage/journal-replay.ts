// At start: usage journals left by processes that no longer run (kill -9, a crash, a store down at
// shutdown) are written to the store. A journal is claimed by renaming it to this process's pid, so
// two instances starting together never replay the same file; the store's watermark for the journal
// skips records already written before the crash, so nothing is written twice.
import { readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/types.js';
import { BatchInterrupted, writeIsolating } from './isolate-batch.js';
import { journalFile, safeHost } from './journal.js';
import type { UsageRecord } from './record.js';

export interface ReplayResult {
  readonly journals: number;
  readonly written: number;
  /** Records already in the store before the crash (at or below the watermark). */
  readonly skipped: number;
  readonly refused: number;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parses `seq<TAB>json` lines; a torn last line (killed mid-write) is ignored. */
function parse(text: string): { seq: number; record: UsageRecord }[] {
  const out: { seq: number; record: UsageRecord }[] = [];
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const seq = Number(line.slice(0, tab));
    try {
      if (Number.isSafeInteger(seq)) out.push({ seq, record: JSON.parse(line.slice(tab + 1)) as UsageRecord });
    } catch {
      // torn line
    }
  }
  return out;
}

export async function replayJournals(dir: string, store: Store, warn: (message: string) => void, batchSize = 500): Promise<ReplayResult> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { journals: 0, written: 0, skipped: 0, refused: 0 };
    throw err;
  }
  const result = { journals: 0, written: 0, skipped: 0, refused: 0 };
  for (const name of names) {
    const m = journalFile.exec(name);
    if (!m) continue;
    const [, host, pidText, id] = m as unknown as [string, string, string, string];
    // Another machine's journal (a shared directory), or a running instance's: not ours to replay.
    if (host !== safeHost() || alive(Number(pidText))) continue;
    const claimed = join(dir, name.replace(`-${pidText}-${id}`, `-${process.pid}-${id}`));
    try {
      renameSync(join(dir, name), claimed);
    } catch {
      continue; // another instance claimed it first
    }
    const mark = await store.journalMark(id);
    const all = parse(readFileSync(claimed, 'utf8'));
    const entries = all.filter((e) => e.seq > mark);
    result.journals++;
    result.skipped += all.length - entries.length;
    for (let i = 0; i < entries.length; i += batchSize) {
      const batch = entries.slice(i, i + batchSize);
      // A failure that is not about the rows stops the replay; the claimed file stays, and the
      // next start goes on from the watermark.
      await writeIsolating(
        batch,
        async (part) => {
          await store.insertUsage(part.map((e) => e.record), { journalId: id, seq: (part[part.length - 1] as { seq: number }).seq });
          result.written += part.length;
        },
        (e, err) => {
          result.refused++;
          warn(`relais usage: the store refuses journaled record ${e.record.requestId}; dropped it: ${String(err)}; record: ${JSON.stringify(e.record)}`);
        },
      ).catch((err: unknown) => {
        throw err instanceof BatchInterrupted ? err.cause : err;
      });
    }
    unlinkSync(claimed);
    await store.forgetJournal(id);
  }
  return result;
}
