// Reads engine load from Prometheus text: only the few series the router needs, summed over labels.
import type { EngineLoad } from './backend.js';
import type { MetricNames } from './flavours.js';

function labelValue(labels: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|,)\\s*${name}="([^"]*)"`).exec(labels);
  return m?.[1];
}

export function parseEngineLoad(text: string, names: MetricNames, now: number): EngineLoad {
  const load: EngineLoad = { scrapedAt: now };
  let running: number | undefined;
  let waiting: number | undefined;
  let kv: number | undefined;
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, line.indexOf(' '));
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) continue;
    if (name === names.running) running = (running ?? 0) + value;
    else if (name === names.waiting) waiting = (waiting ?? 0) + value;
    else if (name === names.kvUsage) kv = Math.max(kv ?? 0, value);
    else if (name === names.prefixQueries) load.prefixQueries = (load.prefixQueries ?? 0) + value;
    else if (name === names.prefixHits) load.prefixHits = (load.prefixHits ?? 0) + value;
    else if (name === names.cacheConfig && brace >= 0) {
      const labels = line.slice(brace + 1, line.lastIndexOf('}'));
      const blocks = Number(labelValue(labels, 'num_gpu_blocks'));
      const size = Number(labelValue(labels, 'block_size'));
      if (Number.isFinite(blocks)) load.kvBlocks = blocks;
      if (Number.isFinite(size)) load.blockSize = size;
    }
  }
  load.running = running;
  load.waiting = waiting;
  load.kvUsage = kv;
  return load;
}
