// Reads a JSON body for admin writes.
import type { IncomingMessage } from 'node:http';
import { parseJson, readBody } from '../body.js';

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return parseJson(await readBody(req, limit));
}
