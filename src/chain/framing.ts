// Newline framing of the Electrum protocol: every message is one JSON object followed by "\n"
// (ElectrumX pads messages with spaces to a power of two; JSON.parse accepts that).
//
// The splitter never holds more than `maxLineBytes` of an unfinished line: a hostile server
// that streams an endless line is cut off as soon as it passes the cap, so memory stays
// bounded by the cap plus one socket chunk, whatever the server sends.

export class LineTooLongError extends Error {
  constructor(readonly maxLineBytes: number) {
    super(`line longer than ${maxLineBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

export class LineSplitter {
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(readonly maxLineBytes: number) {}

  /** Bytes of the unfinished line held right now. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /**
   * Feed one chunk; returns the complete lines it finished (without "\n", a trailing "\r"
   * removed). Throws LineTooLongError once a line exceeds the cap; the splitter is then
   * empty and must not be fed again.
   */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      if (this.partBytes + piece.length > this.maxLineBytes) return this.overflow();
      lines.push(this.finish(piece));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.partBytes + rest.length > this.maxLineBytes) return this.overflow();
      // Kept as a view: Node hands each 'data' chunk over for good, and a chunk is at most
      // 64 KiB, so the view pins no more than a copy would cost (and makes no garbage).
      this.parts.push(rest);
      this.partBytes += rest.length;
    }
    return lines;
  }

  private finish(last: Uint8Array): string {
    let bytes: Uint8Array;
    if (this.parts.length === 0) {
      bytes = last;
    } else {
      bytes = new Uint8Array(this.partBytes + last.length);
      let off = 0;
      for (const p of this.parts) {
        bytes.set(p, off);
        off += p.length;
      }
      bytes.set(last, off);
      this.parts = [];
      this.partBytes = 0;
    }
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return this.decoder.decode(bytes.subarray(0, end));
  }

  private overflow(): never {
    this.parts = [];
    this.partBytes = 0;
    throw new LineTooLongError(this.maxLineBytes);
  }
}
