// Signed webhook deliveries: x-relais-signature is HMAC-SHA256 over "<timestamp>.<body>" with the
// webhook's secret, so a receiver can check both who sent it and that it is not an old one replayed.
import { createHmac } from 'node:crypto';

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** One attempt; resolves with undefined on a 2xx, else with the reason. Never throws. */
export async function postWebhook(url: string, secret: string, body: string, timeoutMs = 10_000): Promise<string | undefined> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-relais-timestamp': timestamp, 'x-relais-signature': signature(secret, timestamp, body), 'user-agent': 'relais-alerts' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
