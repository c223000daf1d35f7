// JSON-RPC pieces as ElectrumX 1.20.0 / aiorpcx build them: error codes, the argument checks whose
// messages the recordings show, and protocol version negotiation (util.protocol_version).
import { pyStr } from './pyjson.ts';

export const BAD_REQUEST = 1;
export const DAEMON_ERROR = 2;
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_ARGS = -32602;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** ElectrumX's ReplyAndDisconnect: send the error, then close the session. */
    readonly disconnect = false,
  ) {
    super(message);
  }
}

/** Python int(value) for a JSON value, or undefined when Python would raise. */
function pyInt(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const t = value.trim().replace(/_/g, '');
    if (/^[+-]?\d+$/.test(t)) return Number(t);
  }
  return undefined;
}

/** session.py non_negative_integer. */
export function nonNegativeInteger(value: unknown): number {
  const n = pyInt(value);
  if (n !== undefined && n >= 0) return n;
  throw new RpcError(BAD_REQUEST, `${pyStr(n ?? value)} should be a non-negative integer`);
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** session.py scripthash_to_hashX (the whole 32 bytes are kept here; ElectrumX keys by 11). */
export function assertScripthash(value: unknown): string {
  if (typeof value === 'string' && HEX64.test(value)) return value.toLowerCase();
  throw new RpcError(BAD_REQUEST, `${pyStr(value)} is not a valid script hash`);
}

/** session.py assert_tx_hash. */
export function assertTxHash(value: unknown): string {
  if (typeof value === 'string' && HEX64.test(value)) return value.toLowerCase();
  throw new RpcError(BAD_REQUEST, `${pyStr(value)} should be a transaction hash`);
}

export type ProtocolTuple = number[];

/** util.protocol_tuple: "1.4.3" -> [1,4,3]; anything unparsable -> [0]. */
export function protocolTuple(s: unknown): ProtocolTuple {
  if (typeof s !== 'string') return [0];
  const parts = s.split('.');
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\s*[+-]?\d+\s*$/.test(p)) return [0];
    out.push(Number(p));
  }
  return out;
}

/** Python tuple comparison. */
export function compareTuples(a: ProtocolTuple, b: ProtocolTuple): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** util.version_string. */
export function versionString(t: ProtocolTuple): string {
  const v = [...t];
  while (v.length < 2) v.push(0);
  return v.join('.');
}

/** util.protocol_version: the negotiated tuple, or null when the ranges do not meet. */
export function negotiateProtocol(clientReq: unknown, min: ProtocolTuple, max: ProtocolTuple): ProtocolTuple | null {
  let cmin: ProtocolTuple;
  let cmax: ProtocolTuple;
  if (clientReq === null || clientReq === undefined) {
    cmin = min;
    cmax = min;
  } else {
    let lo: unknown = clientReq;
    let hi: unknown = clientReq;
    if (Array.isArray(clientReq) && clientReq.length === 2) [lo, hi] = clientReq;
    cmin = protocolTuple(lo);
    cmax = protocolTuple(hi);
  }
  const result = compareTuples(cmax, max) < 0 ? cmax : max;
  const floor = compareTuples(cmin, min) > 0 ? cmin : min;
  if (compareTuples(result, floor) < 0 || compareTuples(result, [0]) === 0) return null;
  return result;
}

export interface MethodSpec {
  /** Positional parameter names, in order (named params use the same names). */
  params: string[];
  /** How many of them are required. */
  required: number;
  fn: (...args: unknown[]) => unknown | Promise<unknown>;
}

/** aiorpcx handler_invocation: argument-count checks with its exact messages. */
export function bindArgs(method: string, spec: MethodSpec, args: unknown): unknown[] {
  if (args === undefined || args === null) args = [];
  if (Array.isArray(args)) {
    const n = args.length;
    const s = n === 1 ? '' : 's';
    if (n < spec.required) {
      throw new RpcError(INVALID_ARGS, `${n} argument${s} passed to method "${method}" but it requires ${spec.required}`);
    }
    if (n > spec.params.length) {
      throw new RpcError(INVALID_ARGS, `${n} argument${s} passed to method "${method}" but it accepts at most ${spec.params.length}`);
    }
    return args;
  }
  if (typeof args === 'object') {
    const named = args as Record<string, unknown>;
    const missing = spec.params.slice(0, spec.required).filter((p) => !(p in named));
    if (missing.length > 0) {
      const s = missing.length === 1 ? '' : 's';
      throw new RpcError(INVALID_ARGS, `method "${method}" requires parameter${s} ${missing.sort().map((m) => `"${m}"`).join(', ')}`);
    }
    const excess = Object.keys(named).filter((k) => !spec.params.includes(k));
    if (excess.length > 0) {
      const s = excess.length === 1 ? '' : 's';
      throw new RpcError(INVALID_ARGS, `method "${method}" does not take parameter${s} ${excess.sort().map((m) => `"${m}"`).join(', ')}`);
    }
    const out: unknown[] = [];
    for (const p of spec.params) {
      if (!(p in named)) break;
      out.push(named[p]);
    }
    return out;
  }
  throw new RpcError(INVALID_REQUEST, `invalid request arguments: ${pyStr(args)}`);
}
