// Namecoin Core v31.1 mempool policy and name consensus rules the simulator applies to a broadcast,
// with Core's reject strings ("<reason>, <debug>" as ValidationState::ToString prints them).
// The checks run in Core's order (sendrawtransaction → BroadcastTransaction → MemPoolAccept), so a
// transaction that breaks several rules gets the message namecoind would give.
import { hash160 } from '../../src/sign/keys.ts';
import { parseNameScript, type NameScript } from '../../src/sign/namescript.ts';
import { scriptOps, scriptType } from './verbose.ts';

export const COIN = 100_000_000;
/** DEFAULT_MIN_RELAY_TX_FEE (Namecoin: 100x Bitcoin's), sat per 1000 vB. */
export const MIN_RELAY_FEE_PER_KVB = 100_000;
/** incrementalrelayfee 0.000001 NMC/kvB = 0.1 sat/vB. */
export const INCREMENTAL_RELAY_FEE_PER_KVB = 100;
/** sendrawtransaction's default maxfeerate: 0.10 NMC/kvB. */
export const MAX_FEE_RATE_PER_KVB = 10_000_000;
/** DUST_RELAY_TX_FEE as Namecoin scales it (dust of a P2PKH output = 54,600 sat). */
export const DUST_RELAY_FEE_PER_KVB = 300_000;
export const MIN_NAME_AMOUNT = COIN / 100;
export const MIN_FIRSTUPDATE_DEPTH = 12;
export const MAX_NAME_LENGTH = 255;
export const MAX_VALUE_LENGTH = 1023;
export const MAX_SCRIPT_ELEMENT_SIZE = 520;
export const NAMECOIN_TX_VERSION = 0x7100;
export const COINBASE_MATURITY = 100;

/** CFeeRate::GetFee, rounding up as Core does since v28. */
export function feeForVsize(ratePerKvB: number, vsize: number): number {
  return Math.ceil((ratePerKvB * vsize) / 1000);
}

/** Core FormatMoney: at least two decimals, trailing zeros trimmed. */
export function formatMoney(sat: number): string {
  const abs = Math.abs(sat);
  const s = `${Math.floor(abs / COIN)}.${String(abs % COIN).padStart(8, '0')}`;
  let i = s.length - 1;
  let trim = 0;
  while (s[i] === '0' && /\d/.test(s[i - 2] ?? '')) {
    trim++;
    i--;
  }
  return (sat < 0 ? '-' : '') + s.slice(0, s.length - trim);
}

/** CScript::HasValidOps: every op parses and no push is over 520 bytes. */
export function hasValidOps(script: Uint8Array): boolean {
  const { ops, ok } = scriptOps(script);
  return ok && ops.every((o) => (o.data === undefined ? o.op <= 0xb9 || o.op === 0xba : o.data.length <= MAX_SCRIPT_ELEMENT_SIZE));
}

export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === 0x6a) || script.length > 10_000;
}

/** Core GetDustThreshold for an output (name prefix included in its size, as Core counts it). */
export function dustThreshold(script: Uint8Array): number {
  const ns = parseNameScript(script);
  const plain = ns ? ns.address : script;
  if (isUnspendable(plain)) return 0;
  const outSize = 8 + varIntSize(script.length) + script.length;
  const type = scriptType(plain);
  const witness = type.startsWith('witness_') || type === 'anchor';
  const spend = witness ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeForVsize(DUST_RELAY_FEE_PER_KVB, outSize + spend);
}

export function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** IsStandardTx's output check ("scriptpubkey" otherwise). */
export function isStandardOutputType(plain: Uint8Array): boolean {
  const t = scriptType(plain);
  return t !== 'nonstandard';
}

export interface NameCoinView {
  script: Uint8Array;
  height: number;
}

export interface NameDbEntry {
  height: number;
  txid: string;
  vout: number;
}

export class Reject extends Error {
  constructor(
    message: string,
    readonly rpcCode = -26,
  ) {
    super(message);
  }
}

/**
 * Namecoin CheckNameTransaction (src/names/main.cpp) with its reject strings.
 * `prevouts[i]` is the coin input i spends; `nameDb` answers "is this name registered and when
 * was it last updated"; `spendHeight` is the height of the block the tx would go into.
 */
export function checkNameTransaction(
  version: number,
  outs: { script: Uint8Array; value: number }[],
  prevouts: NameCoinView[],
  nameDb: (name: Uint8Array) => NameDbEntry | null,
  spendHeight: number,
  expirationDepth: number,
): void {
  let nameIn: NameScript | null = null;
  let nameInCoin: NameCoinView | null = null;
  for (const coin of prevouts) {
    const op = parseNameScript(coin.script);
    if (op === null) continue;
    if (nameIn !== null) throw new Reject('tx-multiple-name-inputs, Multiple name inputs');
    nameIn = op;
    nameInCoin = coin;
  }
  let nameOut: NameScript | null = null;
  let nameOutValue = 0;
  for (const o of outs) {
    const op = parseNameScript(o.script);
    if (op === null) continue;
    if (nameOut !== null) throw new Reject('tx-multiple-name-outputs, Multiple name outputs');
    nameOut = op;
    nameOutValue = o.value;
  }
  if (version !== NAMECOIN_TX_VERSION) {
    if (nameIn !== null) throw new Reject('tx-nonname-with-name-input, Non-name transaction has name input');
    if (nameOut !== null) throw new Reject('tx-nonname-with-name-output, Non-name transaction has name output');
    return;
  }
  if (nameOut === null) throw new Reject('tx-namecoin-without-name-output, Namecoin transaction has no name output');
  if (nameOutValue < MIN_NAME_AMOUNT) throw new Reject('tx-name-greedy, Greedy name operation');
  if (nameOut.op === 'name_new') {
    if (nameIn !== null) throw new Reject('tx-namenew-with-name-input, NAME_NEW with previous name input');
    if (nameOut.hash.length !== 20) throw new Reject("tx-namenew-wrong-size, NAME_NEW's hash has the wrong size");
    return;
  }
  if (nameIn === null) throw new Reject('tx-nameupdate-without-name-input, Name update has no previous name input');
  const name = nameOut.name;
  if (name.length > MAX_NAME_LENGTH) throw new Reject('tx-name-invalid, Name too long');
  if (nameOut.value.length > MAX_VALUE_LENGTH) throw new Reject('tx-value-invalid, Value too long');
  const expired = (e: NameDbEntry): boolean => e.height + expirationDepth <= spendHeight;
  if (nameOut.op === 'name_update') {
    if (nameIn.op === 'name_new') throw new Reject('tx-nameupdate-invalid-prev, Name input for NAME_UPDATE is not an update');
    if (!Buffer.from(name).equals(Buffer.from(nameIn.name))) {
      throw new Reject('tx-nameupdate-name-mismatch, NAME_UPDATE name mismatch to name input');
    }
    const old = nameDb(name);
    if (old === null) throw new Reject('tx-nameupdate-nonexistant, NAME_UPDATE name does not exist');
    if (expired(old)) throw new Reject('tx-nameupdate-expired, Trying to update expired name');
    return;
  }
  if (nameIn.op !== 'name_new') throw new Reject('tx-firstupdate-nonnew-input, NAME_FIRSTUPDATE input is not a NAME_NEW');
  if (nameInCoin!.height + MIN_FIRSTUPDATE_DEPTH > spendHeight) {
    throw new Reject('tx-firstupdate-immature, NAME_FIRSTUPDATE on immature NAME_NEW');
  }
  if (nameOut.rand.length > 20) throw new Reject('tx-firstupdate-invalid-rand, NAME_FIRSTUPDATE rand too large');
  const expect = hash160(new Uint8Array([...nameOut.rand, ...name]));
  if (!Buffer.from(expect).equals(Buffer.from(nameIn.hash))) {
    throw new Reject('tx-firstupdate-hash-mismatch, NAME_FIRSTUPDATE hash mismatch');
  }
  const old = nameDb(name);
  if (old !== null && !expired(old)) throw new Reject('tx-firstupdate-existing-name, NAME_FIRSTUPDATE on an unexpired name');
}

/** Core's ScriptErrorString for the bitcore error codes a broadcast can hit. */
const SCRIPT_ERRORS: Record<string, string> = {
  SCRIPT_ERR_OK: 'No error',
  SCRIPT_ERR_EVAL_FALSE: 'Script evaluated without error but finished with a false/empty top stack element',
  SCRIPT_ERR_VERIFY: 'Script failed an OP_VERIFY operation',
  SCRIPT_ERR_EQUALVERIFY: 'Script failed an OP_EQUALVERIFY operation',
  SCRIPT_ERR_CHECKSIGVERIFY: 'Script failed an OP_CHECKSIGVERIFY operation',
  SCRIPT_ERR_OP_RETURN: 'OP_RETURN was encountered',
  SCRIPT_ERR_SCRIPT_SIZE: 'Script is too big',
  SCRIPT_ERR_PUSH_SIZE: 'Push value size limit exceeded',
  SCRIPT_ERR_OP_COUNT: 'Operation limit exceeded',
  SCRIPT_ERR_STACK_SIZE: 'Stack size limit exceeded',
  SCRIPT_ERR_BAD_OPCODE: 'Opcode missing or not understood',
  SCRIPT_ERR_DISABLED_OPCODE: 'Attempted to use a disabled opcode',
  SCRIPT_ERR_INVALID_STACK_OPERATION: 'Operation not valid with the current stack size',
  SCRIPT_ERR_INVALID_ALTSTACK_OPERATION: 'Operation not valid with the current altstack size',
  SCRIPT_ERR_UNBALANCED_CONDITIONAL: 'Invalid OP_IF construction',
  SCRIPT_ERR_SIG_HASHTYPE: 'Signature hash type missing or not understood',
  SCRIPT_ERR_SIG_DER: 'Non-canonical DER signature',
  SCRIPT_ERR_MINIMALDATA: 'Data push larger than necessary',
  SCRIPT_ERR_SIG_PUSHONLY: 'Only push operators allowed in signatures',
  SCRIPT_ERR_SIG_HIGH_S: 'Non-canonical signature: S value is unnecessarily high',
  SCRIPT_ERR_SIG_NULLDUMMY: 'Dummy CHECKMULTISIG argument must be zero',
  SCRIPT_ERR_SIG_NULLFAIL: 'Signature must be zero for failed CHECK(MULTI)SIG operation',
  SCRIPT_ERR_PUBKEYTYPE: 'Public key is neither compressed or uncompressed',
  SCRIPT_ERR_CLEANSTACK: 'Stack size must be exactly one after execution',
  SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH: 'Witness program has incorrect length',
  SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY: 'Witness program was passed an empty witness',
  SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH: 'Witness program hash mismatch',
  SCRIPT_ERR_WITNESS_MALLEATED: 'Witness requires empty scriptSig',
  SCRIPT_ERR_WITNESS_MALLEATED_P2SH: 'Witness requires only-redeemscript scriptSig',
  SCRIPT_ERR_WITNESS_UNEXPECTED: 'Witness provided for non-witness script',
  SCRIPT_ERR_WITNESS_PUBKEYTYPE: 'Using non-compressed keys in segwit',
  SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: 'Witness version reserved for soft-fork upgrades',
  SCRIPT_ERR_UNSATISFIED_LOCKTIME: 'Locktime requirement not satisfied',
  SCRIPT_ERR_NEGATIVE_LOCKTIME: 'Negative locktime',
};

export function scriptErrorString(bitcoreError: string | undefined): string {
  const code = /SCRIPT_ERR_[A-Z0-9_]+/.exec(bitcoreError ?? '')?.[0];
  if (code === undefined) return bitcoreError && bitcoreError !== '' ? bitcoreError : 'unknown error';
  return SCRIPT_ERRORS[code] ?? code;
}
