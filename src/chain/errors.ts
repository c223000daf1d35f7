// Typed errors of the chain layer. Every error carries a stable `code` the agent maps to a
// status line and an exit code, and a sentence that says what is wrong and, where there is
// one, what to do. Text that comes from a server is untrusted: it is sanitised before it
// becomes part of a message (no control characters, bounded length) and is never parsed for
// anything but the reject categories in broadcast.ts.

export type ChainErrorCode =
  // transport
  | 'bad-url' // a server URL in the config is malformed
  | 'connect' // TCP/TLS connection could not be opened, or was closed early
  | 'timeout' // connect, request or session deadline passed
  | 'tls-pin' // the TLS certificate does not match the pinned fingerprint
  | 'pin-file' // the pin file cannot be read or written
  | 'line-too-long' // the server sent a line above the cap
  | 'protocol' // the server broke JSON-RPC / Electrum framing or negotiation
  | 'bad-reply' // a reply had the wrong shape for its method
  | 'server-error' // the server answered {error:{code,message}}
  | 'no-server' // every server failed
  | 'aborted' // the caller aborted (whole-run deadline)
  // name state
  | 'name-not-found' // the name index has no update of the name
  | 'name-not-owned' // the name coin is not at the hot address
  | 'name-expired' // the latest update is older than the expiration depth
  | 'disagree' // servers disagree about the name state
  | 'too-few-servers' // fewer servers answered than min_servers
  | 'txid-mismatch'; // a server returned a txid other than the one computed locally

export class ChainError extends Error {
  readonly code: ChainErrorCode;
  /** The server the error is about (canonical URL), when there is one. */
  readonly server: string | undefined;

  constructor(code: ChainErrorCode, message: string, server?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainError';
    this.code = code;
    this.server = server;
  }
}

/** The server answered a request with a JSON-RPC error object. */
export class ServerError extends ChainError {
  readonly method: string;
  /** JSON-RPC error code as sent (ElectrumX: 1 bad request, 2 daemon error, -32601 unknown method…). */
  readonly rpcCode: number;
  /** The server's message, sanitised; untrusted text. */
  readonly rpcMessage: string;

  constructor(server: string, method: string, rpcCode: number, rpcMessage: string) {
    super('server-error', `${server}: ${method} failed: ${sanitizeServerText(rpcMessage)} (code ${rpcCode})`, server);
    this.name = 'ServerError';
    this.method = method;
    this.rpcCode = rpcCode;
    this.rpcMessage = rpcMessage;
  }

  /** aiorpcx answers -32601 `unknown method "X"` for methods the negotiated protocol lacks. */
  get isUnknownMethod(): boolean {
    return this.rpcCode === -32601;
  }
}

/** Make untrusted server text safe to put in a log line: printable ASCII only, bounded. */
export function sanitizeServerText(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
