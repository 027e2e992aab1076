// One upstream call on undici's dispatch API. The object is both the handler undici drives and the body
// iterator the relay reads, so a request costs no Readable, AsyncResource, AbortController or generator.
import { errors as undiciErrors, type Dispatcher } from 'undici';
import { BackendError, type UpstreamReply } from './backend.js';
import { readReplyHeaders } from './reply-headers.js';
import { classifyUpstreamError } from './upstream-error.js';

/** Unread body bytes above which undici stops reading the socket (a Node Readable's default highWaterMark). */
export const bodyQueueBound = 64 * 1024;
/** Error-body bytes kept: the 8192 characters an error carries take up to 3 bytes each, after a BOM. */
const errorBodyBytes = 8192 * 3 + 3;

const awaitingHeaders = 0;
const readingBody = 1;
const readingErrorBody = 2;
const finished = 3;

const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
const endPromise = Promise.resolve(end);

function expire(x: UpstreamExchange): void {
  x.expire();
}

export class UpstreamExchange implements Dispatcher.DispatchHandler, AsyncIterableIterator<Uint8Array> {
  private phase = awaitingHeaders;
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  /** undici's abort for this request, once it is on a socket and until it ends. */
  private abortUpstream: ((err?: Error) => void) | undefined;
  /** undici called onComplete or onError: nothing more comes from the socket. */
  private upstreamEnded = false;
  /** The error that ended the body, thrown (classified) at the reader's next read. */
  private failure: Error | undefined;
  private resumeUpstream: (() => void) | undefined;
  private paused = false;
  private readonly chunks: (Buffer | undefined)[] = [];
  private head = 0;
  private queued = 0;
  private wake: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private wakeWithError: ((err: BackendError) => void) | undefined;
  private status = 0;
  private readonly headers: Record<string, string> = {};
  private errorBody: Buffer[] | undefined;
  private errorBodySize = 0;

  constructor(
    private readonly signal: AbortSignal,
    totalMs: number,
    private readonly stream: boolean,
    private readonly resolve: (reply: UpstreamReply) => void,
    private readonly reject: (err: BackendError) => void,
  ) {
    // The object itself is the one listener on the pipeline's signal; it is removed when the call ends.
    signal.addEventListener('abort', this);
    this.timer = setTimeout(expire, totalMs, this);
  }

  /** Unread body bytes held for the reader (for tests of backpressure). */
  get queuedBytes(): number {
    return this.queued;
  }

  // --- the pipeline's abort and the total timeout ---

  handleEvent(): void {
    this.cut();
  }

  expire(): void {
    this.timedOut = true;
    this.cut();
  }

  private cut(): void {
    if (this.phase === finished) return;
    const reason = new undiciErrors.RequestAbortedError();
    if (this.abortUpstream) {
      // undici answers with onError, synchronously, and closes the socket.
      this.abortUpstream(reason);
    } else if (!this.upstreamEnded) {
      // Not on a socket yet: settle now; onConnect aborts the request when its turn comes.
      this.onError(reason);
    } else {
      // The whole body arrived but is not read yet: the reader sees the abort, as a destroyed stream did.
      this.fail(reason);
    }
  }

  // --- undici's handler ---

  onConnect(abort: (err?: Error) => void): void {
    if (this.phase === finished) abort(new undiciErrors.RequestAbortedError());
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200 || this.phase !== awaitingHeaders) return true;
    const contentType = readReplyHeaders(rawHeaders, this.headers);
    if (statusCode !== 200) {
      this.phase = readingErrorBody;
      this.status = statusCode;
      return true;
    }
    this.phase = readingBody;
    this.resumeUpstream = resume;
    this.resolve({
      status: 200,
      contentType: contentType ?? (this.stream ? 'text/event-stream' : 'application/json'),
      headers: this.headers,
      body: this,
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.phase === readingBody) {
      const wake = this.wake;
      if (wake) {
        this.wake = this.wakeWithError = undefined;
        wake({ value: chunk, done: false });
        return true;
      }
      this.chunks.push(chunk);
      this.queued += chunk.length;
      if (this.queued <= bodyQueueBound) return true;
      this.paused = true;
      return false;
    }
    if (this.phase === readingErrorBody) {
      // The rest is read and dropped, so the connection stays reusable.
      if (this.errorBodySize < errorBodyBytes) {
        const part = chunk.length > errorBodyBytes - this.errorBodySize ? chunk.subarray(0, errorBodyBytes - this.errorBodySize) : chunk;
        (this.errorBody ??= []).push(part);
        this.errorBodySize += part.length;
      }
      return true;
    }
    return true;
  }

  onComplete(): void {
    this.upstreamEnded = true;
    this.abortUpstream = undefined;
    if (this.phase === readingErrorBody) {
      this.finish();
      this.reject(this.statusError(this.errorText()));
    } else if (this.phase === readingBody && this.wake) {
      const wake = this.wake;
      this.wake = this.wakeWithError = undefined;
      this.finish();
      wake(end);
    }
  }

  onError(err: Error): void {
    this.upstreamEnded = true;
    this.abortUpstream = undefined;
    if (this.phase === awaitingHeaders) {
      this.finish();
      this.reject(classifyUpstreamError(err, this.signal, this.timedOut));
    } else if (this.phase === readingErrorBody) {
      // The error body is best effort: the status error goes without it.
      this.finish();
      this.reject(this.statusError(''));
    } else if (this.phase === readingBody) {
      this.fail(err);
    }
  }

  // --- the body iterator ---

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.phase !== readingBody) return endPromise;
    if (this.failure) {
      const err = classifyUpstreamError(this.failure, this.signal, this.timedOut);
      this.finish();
      return Promise.reject(err);
    }
    if (this.head < this.chunks.length) {
      const chunk = this.chunks[this.head]!;
      this.chunks[this.head++] = undefined;
      this.queued -= chunk.length;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
        if (this.paused) {
          // Drained: let undici read the socket again (it may call onData right here).
          this.paused = false;
          this.resumeUpstream?.();
        }
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.upstreamEnded) {
      this.finish();
      return endPromise;
    }
    return new Promise((resolve, reject) => {
      this.wake = resolve;
      this.wakeWithError = reject;
    });
  }

  /** The reader stopped early: abort the upstream request, which closes its connection. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (this.phase === readingBody) {
      const abort = this.abortUpstream;
      const wake = this.wake;
      this.wake = this.wakeWithError = undefined;
      this.finish();
      abort?.(new undiciErrors.RequestAbortedError());
      wake?.(end);
    }
    return endPromise;
  }

  // --- internals ---

  private fail(err: Error): void {
    this.failure ??= err;
    const wakeWithError = this.wakeWithError;
    if (!wakeWithError) return;
    this.wake = this.wakeWithError = undefined;
    const classified = classifyUpstreamError(err, this.signal, this.timedOut);
    this.finish();
    wakeWithError(classified);
  }

  private finish(): void {
    this.phase = finished;
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this);
    this.chunks.length = 0;
    this.head = 0;
    this.queued = 0;
  }

  private statusError(body: string): BackendError {
    return new BackendError('status', `upstream answered ${this.status}`, this.status, body, this.headers);
  }

  /** As undici's body.text(): UTF-8 without a leading BOM, then the first 8192 characters. */
  private errorText(): string {
    const parts = this.errorBody ?? [];
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.errorBodySize);
    const start = buf.length > 2 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    return buf.toString('utf8', start).slice(0, 8192);
  }
}
