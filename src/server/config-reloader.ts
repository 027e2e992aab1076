// Reloads relais.yaml into a running gateway on SIGHUP or, opt-in, when the file changes. A file that
// does not validate is refused with the start-up error report and the running configuration keeps
// serving. One reload at a time; a request during one runs once it is done.
import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { ConfigError, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../telemetry/log.js';
import type { ReloadResult } from './reload.js';

export class ConfigReloader {
  private running: Promise<void> | undefined;
  private again = false;
  private lastHash: string;
  private watching = false;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly apply: (config: Config) => Promise<ReloadResult>,
    private readonly log: Logger,
  ) {
    this.lastHash = this.hash(this.read() ?? '');
  }

  /** Reloads now (or after the reload in progress); resolves when done, whatever the outcome. */
  request(trigger: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.reload(trigger).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.request(trigger);
      }
    });
    return this.running;
  }

  /** Polls the file (a Kubernetes ConfigMap is swapped by symlink, which events on the file miss). */
  watch(intervalMs = 500): void {
    this.watching = true;
    watchFile(this.file, { interval: intervalMs, persistent: false }, this.changed);
  }

  stop(): void {
    if (this.watching) unwatchFile(this.file, this.changed);
    clearTimeout(this.debounce);
  }

  private readonly changed = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    // Editors write in steps: act once the file has been quiet for a moment.
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      if (this.hash(this.read() ?? '') !== this.lastHash) void this.request('file change');
    }, 200);
    this.debounce.unref();
  };

  private read(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
  }

  private hash(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  private async reload(trigger: string): Promise<void> {
    const text = this.read();
    let next: Config;
    try {
      if (text === undefined) throw new ConfigError(this.file, [{ field: '', reason: 'cannot read the file' }]);
      next = parseConfig(text, this.file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.lastHash = this.hash(text ?? '');
      this.log.error('configuration reload refused; the running configuration keeps serving', { trigger, file: this.file, error: err.message });
      return;
    }
    try {
      const r = await this.apply(next);
      this.lastHash = this.hash(text ?? '');
      this.log.warn('configuration reloaded', { trigger, file: this.file, backends: r.backends, models: r.models });
      if (r.restartOnly.length > 0) this.log.warn('configuration reload: these fields keep their running value until a restart', { fields: r.restartOnly });
    } catch (err) {
      this.log.error('configuration reload failed; the running configuration keeps serving', { trigger, file: this.file, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
