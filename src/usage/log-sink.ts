// A usage sink that only logs: the gateway's default when no store is configured.
import type { Logger } from '../telemetry/log.js';
import type { UsageRecord, UsageSink } from './record.js';

export class LogUsageSink implements UsageSink {
  constructor(private readonly log: Logger) {}
  record(r: UsageRecord): void {
    this.log.info('request', { ...r });
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
