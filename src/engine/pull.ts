// Downloads a GGUF from Hugging Face (or a mirror: RELAIS_HF_ENDPOINT) into the models directory:
// resumes a .partial file with a Range request, checks the size (and sha256 when the hub gives
// it), validates the GGUF header, and explains plainly when the machine is offline.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { hasControlCharacter } from '../protocol/control-chars.js';
import { readGguf } from './gguf-reader.js';

export interface PullSpec {
  readonly owner: string;
  readonly repo: string;
  readonly file: string;
  readonly revision: string;
}

export interface PullProgress {
  readonly done: number;
  readonly total: number;
  readonly resumedFrom: number;
}

export interface PullOptions {
  readonly dir: string;
  /** Base URL of the hub; defaults to RELAIS_HF_ENDPOINT or https://huggingface.co. */
  readonly endpoint?: string;
  readonly token?: string | undefined;
  readonly onProgress?: (p: PullProgress) => void;
  readonly signal?: AbortSignal;
}

export interface PullResult {
  readonly path: string;
  readonly bytes: number;
  readonly resumedFrom: number;
  readonly sha256Verified: boolean;
}

export class PullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PullError';
  }
}

/**
 * Each path segment must be a plain name: `..` or `.` would climb out of the repository on the hub
 * (and take HF_TOKEN with it), an empty one changes the path, a control character has no place in a URL.
 */
function checkSegments(what: string, value: string, spec: string): void {
  for (const segment of value.split('/')) {
    const bad = segment === '' ? 'an empty segment' : segment === '.' || segment === '..' ? `'${segment}'` : hasControlCharacter(segment) || segment.includes('\\') ? 'a control character or backslash' : undefined;
    if (bad !== undefined) throw new PullError(`${what} in '${JSON.stringify(spec).slice(1, -1)}' has ${bad}: expected hf:OWNER/REPO/FILE.gguf (optionally @REVISION)`);
  }
}

/** hf:OWNER/REPO/path/FILE.gguf[@revision] */
export function parsePullSpec(spec: string): PullSpec {
  const m = /^hf:([^/\s]+)\/([^/\s]+)\/([^@\s]+\.gguf)(?:@([^\s]+))?$/i.exec(spec);
  if (!m) throw new PullError(`expected hf:OWNER/REPO/FILE.gguf (optionally @REVISION), got '${JSON.stringify(spec).slice(1, -1)}'`);
  const parsed = { owner: m[1] ?? '', repo: m[2] ?? '', file: m[3] ?? '', revision: m[4] ?? 'main' };
  checkSegments('the owner', parsed.owner, spec);
  checkSegments('the repository', parsed.repo, spec);
  checkSegments('the file path', parsed.file, spec);
  checkSegments('the revision', parsed.revision, spec);
  return parsed;
}

/** The hub URL of a file, every segment percent-encoded (parsePullSpec has refused `.` and `..`). */
export function resolveUrl(endpoint: string, spec: PullSpec): string {
  const path = (p: string): string => p.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(spec.owner)}/${encodeURIComponent(spec.repo)}/resolve/${encodeURIComponent(spec.revision)}/${path(spec.file)}`;
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.RELAIS_HF_ENDPOINT || env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

function networkReason(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  return code ?? cause?.message;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function pullModel(spec: PullSpec, options: PullOptions): Promise<PullResult> {
  const endpoint = (options.endpoint ?? hubEndpoint()).replace(/\/+$/, '');
  // Specs built in code skip parsePullSpec: check them here too.
  parsePullSpec(`hf:${spec.owner}/${spec.repo}/${spec.file}@${spec.revision}`);
  const url = resolveUrl(endpoint, spec);
  await mkdir(options.dir, { recursive: true });
  const dest = join(options.dir, basename(spec.file));
  const partial = `${dest}.partial`;
  const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
  const headers: Record<string, string> = { 'user-agent': 'relais' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (have > 0) headers.range = `bytes=${have}-`;

  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'follow', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    if (options.signal?.aborted) throw new PullError('download cancelled');
    const host = new URL(endpoint).host;
    throw new PullError(
      `cannot reach ${host} (${networkReason(err) ?? 'network error'}): this machine looks offline. ` +
        `Download ${basename(spec.file)} on a machine with internet and copy it into ${options.dir}`,
    );
  }

  let offset = 0;
  if (res.status === 206) offset = have;
  else if (res.status === 416 && have > 0) {
    // The partial file already holds everything the server has: finish below.
    offset = have;
  } else if (res.status === 401 || res.status === 403) {
    throw new PullError(`${url}: access denied (HTTP ${res.status}); gated models need HF_TOKEN set to a token with access`);
  } else if (res.status === 404) {
    throw new PullError(`${url}: not found (HTTP 404); check the owner, repository and file name`);
  } else if (res.status !== 200) {
    throw new PullError(`${url}: HTTP ${res.status} ${res.statusText}`);
  }

  const rangeTotal = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
  const linkedSize = res.headers.get('x-linked-size');
  const length = res.headers.get('content-length');
  const total =
    rangeTotal !== undefined ? Number(rangeTotal) : linkedSize ? Number(linkedSize) : length !== null ? offset + Number(length) : undefined;
  const etag = (res.headers.get('x-linked-etag') ?? '').replace(/"/g, '');
  const expectedSha = /^[0-9a-f]{64}$/.test(etag) ? etag : undefined;

  let done = offset;
  if (res.status !== 416 && res.body) {
    const fh = await open(partial, offset > 0 ? 'a' : 'w');
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        await fh.write(value);
        done += value.length;
        options.onProgress?.({ done, total: total ?? done, resumedFrom: offset });
      }
    } catch (err) {
      throw new PullError(`download interrupted at ${done} bytes (${networkReason(err) ?? String(err)}); run the same command again to resume`);
    } finally {
      await fh.close();
    }
  }
  const size = (await stat(partial)).size;
  if (total !== undefined && size !== total) {
    if (size > total) await rm(partial, { force: true });
    throw new PullError(`size check failed: got ${size} bytes, expected ${total}${size < total ? '; run the same command again to resume' : ' (removed the partial file)'}`);
  }
  if (expectedSha !== undefined) {
    const actual = await sha256Of(partial);
    if (actual !== expectedSha) {
      await rm(partial, { force: true });
      throw new PullError(`sha256 mismatch (got ${actual}, expected ${expectedSha}); removed the partial file`);
    }
  }
  try {
    await readGguf(partial);
  } catch (err) {
    await rm(partial, { force: true });
    throw new PullError(`the downloaded file is not a valid GGUF: ${err instanceof Error ? err.message : String(err)}`);
  }
  await rename(partial, dest);
  return { path: dest, bytes: size, resumedFrom: offset, sha256Verified: expectedSha !== undefined };
}
