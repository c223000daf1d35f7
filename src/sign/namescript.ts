// Namecoin name scripts: a prefix that pushes the operation's arguments and drops them again,
// in front of an ordinary output script (the "address"). Layouts (Core src/script/names.cpp):
//
//   NAME_NEW:          51 <push hash (20 B)>                          6d     <address script>
//   NAME_FIRSTUPDATE:  52 <push name> <push rand> <push value>        6d 6d  <address script>
//   NAME_UPDATE:       53 <push name> <push value>                    6d 75  <address script>
//   name index (ElectrumX, never on chain):  53 <push name> 00 6d 75 6a
//
//   <push x>: len 0 -> 00; len 1..75 -> <len> x; 76..255 -> 4c <len> x; 256..520 -> 4d <len LE16> x
//
// Scripts are built by concatenating bytes, never through bitcoinjs `script.compile`, which
// "minimises" a 1-byte push of 0x01..0x10 into OP_1..OP_16 — an opcode Core's name parser does not
// accept as an argument, so the output would stop being a name.
import { concatBytes } from './bytes.ts';

export const OP_NAME_NEW = 0x51;
export const OP_NAME_FIRSTUPDATE = 0x52;
export const OP_NAME_UPDATE = 0x53;
const OP_0 = 0x00;
const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_PUSHDATA4 = 0x4e;
const OP_NOP = 0x61;
const OP_DROP = 0x75;
const OP_2DROP = 0x6d;
const OP_RETURN = 0x6a;

/** MAX_SCRIPT_ELEMENT_SIZE: a longer push makes the output unspendable. */
export const MAX_PUSH_LENGTH = 520;

export type NameScript =
  | { op: 'name_new'; hash: Uint8Array; address: Uint8Array }
  | { op: 'name_firstupdate'; name: Uint8Array; rand: Uint8Array; value: Uint8Array; address: Uint8Array }
  | { op: 'name_update'; name: Uint8Array; value: Uint8Array; address: Uint8Array };

interface Op {
  opcode: number;
  /** Pushed data for push opcodes 0x00..0x4e, else undefined. */
  data?: Uint8Array;
  /** Offset just after this op. */
  end: number;
}

/** One opcode at `pos`, like Core's CScript::GetOp; null if the script ends inside a push. */
function readOp(script: Uint8Array, pos: number): Op | null {
  if (pos >= script.length) return null;
  const opcode = script[pos]!;
  let p = pos + 1;
  if (opcode > OP_PUSHDATA4) return { opcode, end: p };
  let len: number;
  if (opcode < OP_PUSHDATA1) {
    len = opcode;
  } else if (opcode === OP_PUSHDATA1) {
    if (p + 1 > script.length) return null;
    len = script[p]!;
    p += 1;
  } else if (opcode === OP_PUSHDATA2) {
    if (p + 2 > script.length) return null;
    len = script[p]! | (script[p + 1]! << 8);
    p += 2;
  } else {
    if (p + 4 > script.length) return null;
    len = (script[p]! | (script[p + 1]! << 8) | (script[p + 2]! << 16)) + script[p + 3]! * 0x1000000;
    p += 4;
  }
  if (p + len > script.length) return null;
  return { opcode, data: script.subarray(p, p + len), end: p + len };
}

/**
 * Parse a name script by Core's rules (CNameScript::CNameScript): byte 0 is the operation; the
 * arguments are data pushes (0x00..0x4e — OP_1..OP_16 do NOT count) up to the first
 * OP_DROP/OP_2DROP/OP_NOP; further DROP/2DROP/NOP are skipped; the rest is the address; the
 * argument count must be exactly 1 (NEW), 3 (FIRSTUPDATE) or 2 (UPDATE). Anything else: null.
 * The returned arrays are copies, so callers may keep them.
 */
export function parseNameScript(script: Uint8Array): NameScript | null {
  const first = script[0];
  if (first !== OP_NAME_NEW && first !== OP_NAME_FIRSTUPDATE && first !== OP_NAME_UPDATE) return null;
  const args: Uint8Array[] = [];
  let pos = 1;
  for (;;) {
    const op = readOp(script, pos);
    if (op === null) return null;
    pos = op.end;
    if (op.opcode === OP_DROP || op.opcode === OP_2DROP || op.opcode === OP_NOP) break;
    if (op.data === undefined) return null;
    args.push(op.data);
  }
  while (pos < script.length) {
    const b = script[pos]!;
    if (b !== OP_DROP && b !== OP_2DROP && b !== OP_NOP) break;
    pos++;
  }
  const address = script.slice(pos);
  const copy = (i: number): Uint8Array => Uint8Array.from(args[i]!);
  if (first === OP_NAME_NEW) {
    return args.length === 1 ? { op: 'name_new', hash: copy(0), address } : null;
  }
  if (first === OP_NAME_FIRSTUPDATE) {
    return args.length === 3
      ? { op: 'name_firstupdate', name: copy(0), rand: copy(1), value: copy(2), address }
      : null;
  }
  return args.length === 2 ? { op: 'name_update', name: copy(0), value: copy(1), address } : null;
}

/** The address part of a name script, or the script itself when it carries no name. */
export function stripNamePrefix(script: Uint8Array): Uint8Array {
  return parseNameScript(script)?.address ?? script;
}

/**
 * The shortest push Core's name parser accepts. A single byte 0x01..0x10 or 0x81 has no such push
 * that is also minimal (policy wants OP_N, the parser refuses OP_N), so it is refused here: an output
 * built with it could never be spent by a standard transaction.
 */
export function pushData(data: Uint8Array, what = 'argument'): Uint8Array {
  const n = data.length;
  if (n > MAX_PUSH_LENGTH) {
    throw new RangeError(`${what} is ${n} bytes; a script push may hold at most ${MAX_PUSH_LENGTH}`);
  }
  if (n === 0) return Uint8Array.of(OP_0);
  if (n === 1 && ((data[0]! >= 1 && data[0]! <= 16) || data[0] === 0x81)) {
    throw new RangeError(
      `${what} is the single byte 0x${data[0]!.toString(16).padStart(2, '0')}, which no standard name script can carry; use a longer ${what}`,
    );
  }
  if (n < OP_PUSHDATA1) return concatBytes(Uint8Array.of(n), data);
  if (n <= 0xff) return concatBytes(Uint8Array.of(OP_PUSHDATA1, n), data);
  return concatBytes(Uint8Array.of(OP_PUSHDATA2, n & 0xff, n >> 8), data);
}

export function buildNameUpdateScript(name: Uint8Array, value: Uint8Array, address: Uint8Array): Uint8Array {
  return concatBytes(
    Uint8Array.of(OP_NAME_UPDATE),
    pushData(name, 'name'),
    pushData(value, 'value'),
    Uint8Array.of(OP_2DROP, OP_DROP),
    address,
  );
}

export function buildNameFirstUpdateScript(
  name: Uint8Array,
  rand: Uint8Array,
  value: Uint8Array,
  address: Uint8Array,
): Uint8Array {
  return concatBytes(
    Uint8Array.of(OP_NAME_FIRSTUPDATE),
    pushData(name, 'name'),
    pushData(rand, 'rand'),
    pushData(value, 'value'),
    Uint8Array.of(OP_2DROP, OP_2DROP),
    address,
  );
}

export function buildNameNewScript(hash: Uint8Array, address: Uint8Array): Uint8Array {
  if (hash.length !== 20) throw new RangeError(`name_new hash is ${hash.length} bytes; it must be hash160(rand||name), 20 bytes`);
  return concatBytes(Uint8Array.of(OP_NAME_NEW), pushData(hash, 'hash'), Uint8Array.of(OP_2DROP), address);
}

/** ElectrumX's name index key: `53 <push name> 00 6d 75 6a` (NameIndexMixin.build_name_index_script). */
export function nameIndexScript(name: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP_NAME_UPDATE), pushData(name, 'name'), Uint8Array.of(OP_0, OP_2DROP, OP_DROP, OP_RETURN));
}

/**
 * True if every push in the script is the minimal one (Core CheckMinimalPush), i.e. spending it
 * passes SCRIPT_VERIFY_MINIMALDATA, and the script does not end inside a push.
 */
export function isMinimallyEncoded(script: Uint8Array): boolean {
  let pos = 0;
  while (pos < script.length) {
    const op = readOp(script, pos);
    if (op === null) return false;
    pos = op.end;
    const d = op.data;
    if (d === undefined) continue;
    const n = d.length;
    if (n === 0) {
      if (op.opcode !== OP_0) return false;
    } else if (n === 1 && d[0]! >= 1 && d[0]! <= 16) {
      return false; // should have been OP_1..OP_16
    } else if (n === 1 && d[0] === 0x81) {
      return false; // should have been OP_1NEGATE
    } else if (n <= 75) {
      if (op.opcode !== n) return false;
    } else if (n <= 255) {
      if (op.opcode !== OP_PUSHDATA1) return false;
    } else if (n <= 65535) {
      if (op.opcode !== OP_PUSHDATA2) return false;
    }
  }
  return true;
}
