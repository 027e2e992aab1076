// Splits a server-sent event byte stream into `data:` payloads without decoding the whole buffer:
// OpenAI-style streams put one JSON document on each data line, so a complete line is a complete event.

const LF = 10;
const CR = 13;

export class SseDataLines {
  private rest: Buffer | null = null;

  /** Calls onData for every complete `data:` line in the bytes received so far. */
  push(chunk: Buffer, onData: (payload: string) => void): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && buf[end - 1] === CR) end--;
      // 'data:' = 64 61 74 61 3a
      if (end - start >= 5 && buf[start] === 0x64 && buf[start + 1] === 0x61 && buf[start + 2] === 0x74 && buf[start + 3] === 0x61 && buf[start + 4] === 0x3a) {
        let s = start + 5;
        if (buf[s] === 0x20) s++;
        onData(buf.toString('utf8', s, end));
      }
      start = nl + 1;
    }
    this.rest = start < buf.length ? buf.subarray(start) : null;
  }

  /** A last line without its newline (some servers omit it before closing). */
  flush(onData: (payload: string) => void): void {
    if (!this.rest) return;
    const rest = this.rest;
    this.rest = null;
    this.push(Buffer.concat([rest, Buffer.from('\n')]), onData);
  }
}
