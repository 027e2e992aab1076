// A temporary directory with a minimal relais.yaml (no models, data under the directory) for a whole
// suite, removed after it. Call inside `describe`; `set` receives the directory and the config file.
import { before, after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function useTempConfig(prefix: string, set: (dir: string, file: string) => void): void {
  let dir: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const file = join(dir, 'relais.yaml');
    writeFileSync(file, `data_dir: ${join(dir, 'data')}\nmodels: []\n`);
    set(dir, file);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
