// Creates a virtual key through a running gateway's admin API, authorized by its master key.
import assert from 'node:assert/strict';

export async function createKey(gatewayUrl: string, masterKey: string, settings: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const r = await fetch(`${gatewayUrl}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  assert.equal(r.status, 201);
  return (await r.json()) as { id: string; key: string };
}
