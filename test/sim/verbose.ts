// namecoind's decoderawtransaction / getrawtransaction-verbose JSON (Core TxToUniv + Namecoin's
// nameOp), which ElectrumX passes through for blockchain.transaction.get(txid, true). Checked
// field for field against every *.decoded.json in the fixtures.
import type { Transaction } from 'bitcoinjs-lib';
import { descriptorChecksum } from '../../src/sign/descriptor-checksum.ts';
import { scriptToAddress } from '../../src/sign/keys.ts';
import { parseNameScript } from '../../src/sign/namescript.ts';
import { NETWORKS } from '../../src/sign/network.ts';
import { pyFloat } from './pyjson.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const displayHex = (b: Uint8Array): string => Buffer.from(b).reverse().toString('hex');

const OP_NAMES: Record<number, string> = {
  0x4c: 'OP_PUSHDATA1', 0x4d: 'OP_PUSHDATA2', 0x4e: 'OP_PUSHDATA4', 0x4f: '-1', 0x50: 'OP_RESERVED',
  0x51: 'OP_NAME_NEW', 0x52: 'OP_NAME_FIRSTUPDATE', 0x53: 'OP_NAME_UPDATE',
  0x61: 'OP_NOP', 0x62: 'OP_VER', 0x63: 'OP_IF', 0x64: 'OP_NOTIF', 0x65: 'OP_VERIF', 0x66: 'OP_VERNOTIF',
  0x67: 'OP_ELSE', 0x68: 'OP_ENDIF', 0x69: 'OP_VERIFY', 0x6a: 'OP_RETURN', 0x6b: 'OP_TOALTSTACK',
  0x6c: 'OP_FROMALTSTACK', 0x6d: 'OP_2DROP', 0x6e: 'OP_2DUP', 0x6f: 'OP_3DUP', 0x70: 'OP_2OVER',
  0x71: 'OP_2ROT', 0x72: 'OP_2SWAP', 0x73: 'OP_IFDUP', 0x74: 'OP_DEPTH', 0x75: 'OP_DROP', 0x76: 'OP_DUP',
  0x77: 'OP_NIP', 0x78: 'OP_OVER', 0x79: 'OP_PICK', 0x7a: 'OP_ROLL', 0x7b: 'OP_ROT', 0x7c: 'OP_SWAP',
  0x7d: 'OP_TUCK', 0x7e: 'OP_CAT', 0x7f: 'OP_SUBSTR', 0x80: 'OP_LEFT', 0x81: 'OP_RIGHT', 0x82: 'OP_SIZE',
  0x83: 'OP_INVERT', 0x84: 'OP_AND', 0x85: 'OP_OR', 0x86: 'OP_XOR', 0x87: 'OP_EQUAL', 0x88: 'OP_EQUALVERIFY',
  0x89: 'OP_RESERVED1', 0x8a: 'OP_RESERVED2', 0x8b: 'OP_1ADD', 0x8c: 'OP_1SUB', 0x8d: 'OP_2MUL',
  0x8e: 'OP_2DIV', 0x8f: 'OP_NEGATE', 0x90: 'OP_ABS', 0x91: 'OP_NOT', 0x92: 'OP_0NOTEQUAL', 0x93: 'OP_ADD',
  0x94: 'OP_SUB', 0x95: 'OP_MUL', 0x96: 'OP_DIV', 0x97: 'OP_MOD', 0x98: 'OP_LSHIFT', 0x99: 'OP_RSHIFT',
  0x9a: 'OP_BOOLAND', 0x9b: 'OP_BOOLOR', 0x9c: 'OP_NUMEQUAL', 0x9d: 'OP_NUMEQUALVERIFY',
  0x9e: 'OP_NUMNOTEQUAL', 0x9f: 'OP_LESSTHAN', 0xa0: 'OP_GREATERTHAN', 0xa1: 'OP_LESSTHANOREQUAL',
  0xa2: 'OP_GREATERTHANOREQUAL', 0xa3: 'OP_MIN', 0xa4: 'OP_MAX', 0xa5: 'OP_WITHIN', 0xa6: 'OP_RIPEMD160',
  0xa7: 'OP_SHA1', 0xa8: 'OP_SHA256', 0xa9: 'OP_HASH160', 0xaa: 'OP_HASH256', 0xab: 'OP_CODESEPARATOR',
  0xac: 'OP_CHECKSIG', 0xad: 'OP_CHECKSIGVERIFY', 0xae: 'OP_CHECKMULTISIG', 0xaf: 'OP_CHECKMULTISIGVERIFY',
  0xb0: 'OP_NOP1', 0xb1: 'OP_CHECKLOCKTIMEVERIFY', 0xb2: 'OP_CHECKSEQUENCEVERIFY', 0xb3: 'OP_NOP4',
  0xb4: 'OP_NOP5', 0xb5: 'OP_NOP6', 0xb6: 'OP_NOP7', 0xb7: 'OP_NOP8', 0xb8: 'OP_NOP9', 0xb9: 'OP_NOP10',
  0xba: 'OP_CHECKSIGADD', 0xff: 'OP_INVALIDOPCODE',
};

function opName(op: number): string {
  if (op >= 0x54 && op <= 0x60) return String(op - 0x50);
  return OP_NAMES[op] ?? 'OP_UNKNOWN';
}

interface ScriptOp {
  op: number;
  data?: Uint8Array;
}

/** CScript::GetOp over the whole script; `ok` false where a push runs past the end. */
export function scriptOps(s: Uint8Array): { ops: ScriptOp[]; ok: boolean } {
  const ops: ScriptOp[] = [];
  let p = 0;
  while (p < s.length) {
    const op = s[p++]!;
    if (op > 0x4e) {
      ops.push({ op });
      continue;
    }
    let len = op;
    if (op === 0x4c) {
      if (p + 1 > s.length) return { ops, ok: false };
      len = s[p]!;
      p += 1;
    } else if (op === 0x4d) {
      if (p + 2 > s.length) return { ops, ok: false };
      len = s[p]! | (s[p + 1]! << 8);
      p += 2;
    } else if (op === 0x4e) {
      if (p + 4 > s.length) return { ops, ok: false };
      len = (s[p]! | (s[p + 1]! << 8) | (s[p + 2]! << 16)) + s[p + 3]! * 0x1000000;
      p += 4;
    }
    if (p + len > s.length) return { ops, ok: false };
    ops.push({ op, data: s.subarray(p, p + len) });
    p += len;
  }
  return { ops, ok: true };
}

/** CScriptNum(vch, false).getint() for pushes of up to 4 bytes. */
function scriptNumValue(v: Uint8Array): number {
  if (v.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * 2 ** (8 * i);
  const last = v[v.length - 1]!;
  if (last & 0x80) return -(n - 0x80 * 2 ** (8 * (v.length - 1)));
  return n;
}

/** BIP66 strict DER + a defined hash type (CheckSignatureEncoding with STRICTENC). */
function isStrictSignature(sig: Uint8Array): boolean {
  const n = sig.length;
  if (n < 9 || n > 73) return false;
  if (sig[0] !== 0x30 || sig[1] !== n - 3) return false;
  const lenR = sig[3]!;
  if (5 + lenR >= n) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 7 !== n) return false;
  if (sig[2] !== 0x02 || lenR === 0 || sig[4]! & 0x80) return false;
  if (lenR > 1 && sig[4] === 0x00 && !(sig[5]! & 0x80)) return false;
  if (sig[lenR + 4] !== 0x02 || lenS === 0 || sig[lenR + 6]! & 0x80) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && !(sig[lenR + 7]! & 0x80)) return false;
  return true;
}

const SIGHASH_NAMES: Record<number, string> = {
  0x01: 'ALL', 0x02: 'NONE', 0x03: 'SINGLE', 0x81: 'ALL|ANYONECANPAY', 0x82: 'NONE|ANYONECANPAY', 0x83: 'SINGLE|ANYONECANPAY',
};

/** Core ScriptToAsmStr (with Namecoin's OP_NAME_* names for 0x51..0x53). */
export function scriptToAsm(s: Uint8Array, attemptSighashDecode = false): string {
  const { ops, ok } = scriptOps(s);
  const unspendable = (s.length > 0 && s[0] === 0x6a) || s.length > 10000;
  const parts = ops.map(({ op, data }) => {
    if (data === undefined) return opName(op);
    if (data.length <= 4) return String(scriptNumValue(data));
    if (attemptSighashDecode && !unspendable && isStrictSignature(data)) {
      const name = SIGHASH_NAMES[data[data.length - 1]!];
      if (name) return hex(data.subarray(0, data.length - 1)) + `[${name}]`;
    }
    return hex(data);
  });
  if (!ok) parts.push('[error]');
  return parts.join(' ');
}

/** Solver's type name for a plain (prefix-stripped) script. */
export function scriptType(s: Uint8Array): string {
  const n = s.length;
  if (n === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return 'pubkeyhash';
  if (n === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return 'scripthash';
  if (n >= 4 && n <= 42 && (s[0] === 0x00 || (s[0]! >= 0x51 && s[0]! <= 0x60)) && s[1]! + 2 === n) {
    if (s[0] === 0x00 && n === 22) return 'witness_v0_keyhash';
    if (s[0] === 0x00 && n === 34) return 'witness_v0_scripthash';
    if (s[0] === 0x51 && n === 34) return 'witness_v1_taproot';
    if (s[0] === 0x51 && n === 4 && s[2] === 0x4e && s[3] === 0x73) return 'anchor';
    if (s[0] !== 0x00) return 'witness_unknown';
    return 'nonstandard';
  }
  if (n > 0 && s[0] === 0x6a) {
    const { ops, ok } = scriptOps(s.subarray(1));
    return ok && ops.every((o) => o.op <= 0x60) ? 'nulldata' : 'nonstandard';
  }
  if ((n === 35 && s[0] === 0x21 && s[34] === 0xac) || (n === 67 && s[0] === 0x41 && s[66] === 0xac)) return 'pubkey';
  if (n > 0 && s[n - 1] === 0xae) {
    const { ops, ok } = scriptOps(s);
    if (ok && ops.length >= 4) {
      const m = ops[0]!.op;
      const k = ops[ops.length - 2]!.op;
      const keys = ops.slice(1, -2);
      if (m >= 0x51 && m <= 0x60 && k >= 0x51 && k <= 0x60 && keys.length === k - 0x50 && m <= k &&
        keys.every((o) => o.data && (o.data.length === 33 || o.data.length === 65))) return 'multisig';
    }
  }
  return 'nonstandard';
}

/** Namecoin's default "ascii" name encoding: printable ASCII only. */
function asciiField(obj: Record<string, unknown>, key: string, data: Uint8Array): void {
  if (data.every((b) => b >= 0x20 && b <= 0x7e)) obj[key] = Buffer.from(data).toString('latin1');
  else obj[`${key}_error`] = 'invalid data for ascii';
  obj[`${key}_encoding`] = 'ascii';
}

function scriptPubKeyJson(script: Uint8Array): Record<string, unknown> {
  const network = NETWORKS.regtest;
  const out: Record<string, unknown> = {};
  const ns = parseNameScript(script);
  const address = ns ? ns.address : script;
  if (ns) {
    const nameOp: Record<string, unknown> = { op: ns.op };
    if (ns.op === 'name_new') {
      nameOp.hash = hex(ns.hash);
    } else {
      asciiField(nameOp, 'name', ns.name);
      asciiField(nameOp, 'value', ns.value);
      if (ns.op === 'name_firstupdate') nameOp.rand = hex(ns.rand);
    }
    out.nameOp = nameOp;
  }
  out.asm = scriptToAsm(script);
  const type = scriptType(address);
  const addr = type === 'nonstandard' || type === 'nulldata' ? null : scriptToAddress(address, network);
  const body = ns || addr === null ? `raw(${hex(script)})` : `addr(${addr})`;
  out.desc = `${body}#${descriptorChecksum(body)}`;
  out.hex = hex(script);
  if (addr !== null) out.address = addr;
  out.type = type;
  return out;
}

export interface BlockContext {
  blockhash: string;
  confirmations: number;
  time: number;
}

/** decoderawtransaction output; with `raw` and `block`, getrawtransaction verbose output. */
export function txToJson(tx: Transaction, opts: { rawHex?: string; block?: BlockContext } = {}): Record<string, unknown> {
  const vin = tx.ins.map((input) => {
    const entry: Record<string, unknown> = {};
    if (tx.isCoinbase()) {
      entry.coinbase = hex(input.script);
    } else {
      entry.txid = displayHex(input.hash);
      entry.vout = input.index;
      entry.scriptSig = { asm: scriptToAsm(input.script, true), hex: hex(input.script) };
    }
    if (input.witness.length > 0) entry.txinwitness = input.witness.map(hex);
    entry.sequence = input.sequence;
    return entry;
  });
  const vout = tx.outs.map((o, n) => ({ value: pyFloat(Number(o.value) / 1e8), n, scriptPubKey: scriptPubKeyJson(o.script) }));
  const json: Record<string, unknown> = {
    txid: tx.getId(),
    hash: displayHex(tx.getHash(true)),
    version: tx.version,
    size: tx.byteLength(),
    vsize: tx.virtualSize(),
    weight: tx.weight(),
    locktime: tx.locktime,
    vin,
    vout,
  };
  if (opts.rawHex !== undefined) json.hex = opts.rawHex;
  if (opts.block) {
    json.blockhash = opts.block.blockhash;
    json.confirmations = opts.block.confirmations;
    json.time = opts.block.time;
    json.blocktime = opts.block.time;
  }
  return json;
}
