// Reads a run file (measured or predicted) and checks it is one, with a precise error when not.
import { readFileSync } from 'node:fs';
import { benchRunFormat, type BenchRun } from './run-types.js';

export function readRun(file: string): BenchRun {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const d = doc as Partial<BenchRun> | null;
  if (!d || typeof d !== 'object' || d.format !== benchRunFormat) throw new Error(`${file}: not a relais bench run (format should be '${benchRunFormat}')`);
  if (!Array.isArray(d.cells) || !d.settings || !d.target) throw new Error(`${file}: missing cells, settings or target`);
  return d as BenchRun;
}
