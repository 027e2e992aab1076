// Request ids: a random per-process prefix and a counter — unique across instances, and far cheaper
// than a UUID per request on the hot path.
import { randomBytes } from 'node:crypto';

const prefix = `req-${randomBytes(6).toString('hex')}-`;
let counter = 0;

export function nextRequestId(): string {
  return prefix + (++counter).toString(36);
}

const valid = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's x-request-id when it is a safe token, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && valid.test(header) ? header : nextRequestId();
}
