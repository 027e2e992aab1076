// A push-to-pull bridge: generation callbacks push SSE chunks, the HTTP layer pulls them.
// When the consumer stops early (return()) the producer is cancelled at once.
// Whatever is queued when the consumer asks is handed over in one piece.

export class ByteChannel implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly onCancel: () => void) {}

  push(chunk: Uint8Array | string): void {
    if (this.ended) return;
    this.items.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        for (;;) {
          // Everything already queued goes out as one chunk: a slow reader then makes fewer writes.
          if (this.items.length > 1) {
            const all = Buffer.concat(this.items);
            this.items.length = 0;
            return { value: all, done: false };
          }
          const item = this.items.shift();
          if (item) return { value: item, done: false };
          if (this.ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      },
      return: async (): Promise<IteratorResult<Uint8Array>> => {
        if (!this.ended) {
          this.ended = true;
          this.items.length = 0;
          this.onCancel();
        }
        return { value: undefined, done: true };
      },
    };
  }
}
