// ElectrumX 1.20.0 framing as recorded (electrum-transcripts/README.md): one JSON message per
// line, and every message padded with spaces just before its final `}` or `]` so that the message
// plus its "\n" is a power of two of at least 1024 bytes. A batch reply is one line:
// `[<reply>, <reply>]` (aiorpcx joins the parts with ", ").

export const MIN_PADDED_LINE = 1024;

/** Smallest power of two >= n (n >= 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Pad one ASCII JSON message (no newline) to the recorded size and append "\n". */
export function padMessage(json: string, pad = true): string {
  if (!pad || json.length === 0) return json + '\n';
  const total = json.length + 1;
  const target = Math.max(MIN_PADDED_LINE, nextPowerOfTwo(total));
  return json.slice(0, -1) + ' '.repeat(target - total) + json.slice(-1) + '\n';
}

export function batchMessage(parts: string[]): string {
  return '[' + parts.join(', ') + ']';
}
