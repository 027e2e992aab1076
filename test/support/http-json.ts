// One HTTP call from a test, its body read as text and parsed as JSON when it is JSON.

export interface JsonReply {
  readonly status: number;
  readonly text: string;
  /** The parsed body; {} for a body that is not JSON (streams, CSV, plain text). */
  readonly json: Record<string, unknown>;
}

/** A string body is sent as it is (hostile bodies JSON.stringify cannot write); anything else as JSON. */
export async function requestJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonReply> {
  const r = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: r.status, text, json };
}
