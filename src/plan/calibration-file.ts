// Where user calibrations live (.relais/calibration.json by default) and how they are merged and saved.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Calibration, CalibrationEntry } from '../perfmodel/index.js';

export const DEFAULT_CALIBRATION_FILE = '.relais/calibration.json';

function isEntry(v: unknown): v is CalibrationEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const optNum = (k: string): boolean => e[k] === undefined || (typeof e[k] === 'number' && Number.isFinite(e[k]) && (e[k] as number) >= 0);
  return typeof e.engine === 'string' && typeof e.gpu === 'string' && typeof e.source === 'string'
    && optNum('bandwidth') && optNum('attentionBandwidth') && optNum('compute') && optNum('layerOverheadSec') && optNum('stepOverheadSec') && optNum('seqOverheadSec');
}

/** Reads a calibration file; a missing default file is simply no calibration, a broken one is an error. */
export async function loadCalibration(file: string, required: boolean): Promise<Calibration | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read calibration: ${err instanceof Error ? err.message : String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const entries = (raw as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) throw new Error(`${file}: expected { "entries": [...] }`);
  entries.forEach((e, i) => {
    if (!isEntry(e)) throw new Error(`${file}: entries[${i}] needs engine, gpu, source and non-negative numbers`);
  });
  return { entries: entries as CalibrationEntry[] };
}

/** Adds or replaces the entry for the same engine and GPU, keeping the others. */
export async function saveCalibrationEntry(file: string, entry: CalibrationEntry): Promise<Calibration> {
  const current = await loadCalibration(file, false);
  const others = (current?.entries ?? []).filter((e) => !(e.engine === entry.engine && e.gpu === entry.gpu));
  const next: Calibration = { entries: [...others, entry] };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}
