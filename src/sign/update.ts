// The name_update signer: a pure function from (hot key, name coin, fee coins, value, fee policy)
// to a signed transaction or a SignRefusal. Shape of what it builds:
//   version 0x7100, locktime 0, every input nSequence 0xfffffffd (BIP125 replaceable)
//   vin 0      the name coin (the current NAME_FIRSTUPDATE/NAME_UPDATE output of the name)
//   vin 1..    fee coins: plain coins at the hot address, taken in the order given, as many as needed;
//              with none (or too little in them) the name coin's surplus above 0.01 NMC pays
//   vout 0     NAME_UPDATE <name> <value> + the name coin's own hot script, ≥ 0.01 NMC
//   vout 1     change to the hot address, if it is not dust
// Invariants (each refused with its own code, never switched off): the name output pays exactly the
// hot script that holds the name coin; the name coin carries the configured name; value ≤ 520 and
// name ≤ 255 bytes; inputs = outputs + fee; the name output ≥ the network's minimum; a legacy
// prevout script survives bitcoinjs' decompile/compile before it is signed over.
import { Transaction } from 'bitcoinjs-lib/src/transaction';
import * as ecc from 'tiny-secp256k1';
import { bytesToHex, concatBytes, equalBytes, hexToBytes, toBytes } from './bytes.ts';
import { MAX_LOW_R_SIG_LENGTH, signDigest, verifyDer } from './ecdsa.ts';
import { checkFeeCaps, dustThreshold, type FeePolicy, requiredFee, validateFeePolicy } from './fees.ts';
import { hotAddress, hotScript, type HotKey, scriptToAddress } from './keys.ts';
import { buildNameUpdateScript, isMinimallyEncoded, parseNameScript } from './namescript.ts';
import { SignRefusal } from './refusal.ts';
import { inputSighash, roundTripsThroughBitcoinjs } from './sighash.ts';

export { SignRefusal } from './refusal.ts';
export type { SignRefusalCode } from './refusal.ts';
export type { FeePolicy } from './fees.ts';

export const NAME_TX_VERSION = 0x7100;
/** Bit 31 clear would switch BIP68 relative locks on for a version ≥ 2 tx; 0xfffffffd signals RBF only. */
export const RBF_SEQUENCE = 0xfffffffd;
export const MAX_NAME_LENGTH = 255;
/** Longer values are consensus-valid but unspendable (MAX_SCRIPT_ELEMENT_SIZE), see reference §2.4. */
export const MAX_VALUE_LENGTH = 520;

export interface Coin {
  /** Txid as usually written (byte-reversed hex). */
  txid: string;
  vout: number;
  /** Satoshis. */
  value: number;
  /** The full output script, name prefix included. */
  script: Uint8Array;
}

export interface NameUpdateRequest {
  key: HotKey;
  name: Uint8Array | string;
  value: Uint8Array | string;
  nameCoin: Coin;
  feeCoins: Coin[];
  fee: FeePolicy;
  /** Satoshis for the name output. Default: keep the name coin's value if it is ≥ the minimum and
   *  fee coins pay the fee; with no fee coins (or too little in them), the name coin's value minus
   *  the fee, as long as that stays ≥ the minimum. */
  nameAmount?: number;
  /** Blocks until the name expires, if the caller knows; ≤ 0 is refused (the coin is gone). */
  expiresIn?: number;
}

export interface SignedNameUpdate {
  hex: string;
  txid: string;
  vsize: number;
  fee: number;
  /** fee / vsize of the signed transaction, sat/vB. */
  feeRate: number;
  nameOutputIndex: number;
  nameAmount: number;
  spent: { txid: string; vout: number }[];
  change?: { vout: number; value: number };
}

function refuse(code: ConstructorParameters<typeof SignRefusal>[0], message: string): never {
  throw new SignRefusal(code, message);
}

/** A name for messages: quoted text if printable ASCII, else hex. */
function showName(bytes: Uint8Array): string {
  return bytes.every((b) => b >= 0x20 && b < 0x7f) ? JSON.stringify(new TextDecoder().decode(bytes)) : `0x${bytesToHex(bytes)}`;
}

function showScript(script: Uint8Array, key: HotKey): string {
  return scriptToAddress(script, key.network) ?? `script ${bytesToHex(script)}`;
}

function checkCoin(coin: Coin, field: string): void {
  if (typeof coin !== 'object' || coin === null) refuse('bad-coin', `${field} is missing`);
  if (typeof coin.txid !== 'string' || !/^[0-9a-fA-F]{64}$/.test(coin.txid)) refuse('bad-coin', `${field}.txid must be 64 hex digits`);
  if (!Number.isInteger(coin.vout) || coin.vout < 0 || coin.vout > 0xffffffff) refuse('bad-coin', `${field}.vout must be an output index, got ${String(coin.vout)}`);
  if (!Number.isSafeInteger(coin.value) || coin.value <= 0) refuse('bad-coin', `${field}.value must be a positive whole number of satoshis, got ${String(coin.value)}`);
  if (!(coin.script instanceof Uint8Array) || coin.script.length === 0) refuse('bad-coin', `${field}.script must be the coin's output script bytes`);
}

/** A hand-made HotKey must still be one key: its public key from its private key, compressed for segwit. */
function checkKey(key: HotKey): void {
  if (!(key.privateKey instanceof Uint8Array) || !ecc.isPrivate(key.privateKey)) {
    refuse('bad-key', 'key.privateKey is not a valid secp256k1 private key; load the key with parseKeyFile/hotKeyFromWif');
  }
  const derived = ecc.pointFromScalar(key.privateKey, key.publicKey.length === 33);
  if (derived === null || !equalBytes(derived, key.publicKey)) {
    refuse('bad-key', 'key.publicKey does not belong to key.privateKey; load the key with parseKeyFile/hotKeyFromWif');
  }
  if (key.addressType === 'p2wpkh' && key.publicKey.length !== 33) {
    refuse('bad-key', 'a p2wpkh hot key needs a compressed public key (segwit refuses uncompressed ones)');
  }
  if (key.addressType !== 'p2wpkh' && key.addressType !== 'p2pkh') {
    refuse('bad-key', `key.addressType ${JSON.stringify(key.addressType)} is not p2wpkh or p2pkh`);
  }
}

const outpoint = (c: { txid: string; vout: number }): string => `${c.txid.toLowerCase()}:${c.vout}`;

/** A transaction with these inputs/outputs and no signatures yet. */
function unsignedTx(inputs: Coin[], outputs: { script: Uint8Array; value: number }[]): Transaction {
  const tx = new Transaction();
  tx.version = NAME_TX_VERSION;
  tx.locktime = 0;
  for (const c of inputs) tx.addInput(hexToBytes(c.txid).reverse(), c.vout, RBF_SEQUENCE);
  for (const o of outputs) tx.addOutput(o.script, BigInt(o.value));
  return tx;
}

function pushBytes(data: Uint8Array): Uint8Array {
  // Signatures (≤ 73 B) and public keys (33/65 B) are always direct pushes.
  return concatBytes(Uint8Array.of(data.length), data);
}

function placeSignature(tx: Transaction, i: number, key: HotKey, sig: Uint8Array): void {
  if (key.addressType === 'p2wpkh') tx.setWitness(i, [sig, key.publicKey]);
  else tx.setInputScript(i, concatBytes(pushBytes(sig), pushBytes(key.publicKey)));
}

/** vsize with worst-case low-R signatures (71 bytes with sighash byte) in place: what Core's wallet assumes. */
function measureVsize(inputs: Coin[], outputs: { script: Uint8Array; value: number }[], key: HotKey): number {
  const tx = unsignedTx(inputs, outputs);
  const dummy = new Uint8Array(MAX_LOW_R_SIG_LENGTH);
  for (let i = 0; i < inputs.length; i++) placeSignature(tx, i, key, dummy);
  return tx.virtualSize();
}

interface Plan {
  inputs: Coin[];
  nameAmount: number;
  change: number | null;
  fee: number;
}

/**
 * Funding for a given input set, or null if it cannot pay. `nameAmount` 'rest' means the name
 * output takes everything but the fee (the surplus-pays case, no change).
 */
function planFor(
  inputs: Coin[],
  nameAmount: number | 'rest',
  nameScript: Uint8Array,
  own: Uint8Array,
  req: NameUpdateRequest,
): Plan | null {
  const { key, fee: policy } = req;
  const network = key.network;
  const totalIn = inputs.reduce((s, c) => s + c.value, 0);
  if (nameAmount === 'rest') {
    const v = measureVsize(inputs, [{ script: nameScript, value: totalIn }], key);
    const fee = requiredFee(v, policy, network);
    return totalIn - fee >= network.minNameAmount ? { inputs, nameAmount: totalIn - fee, change: null, fee } : null;
  }
  const vWith = measureVsize(inputs, [{ script: nameScript, value: nameAmount }, { script: own, value: 0 }], key);
  const feeWith = requiredFee(vWith, policy, network);
  const change = totalIn - nameAmount - feeWith;
  if (change >= dustThreshold(own)) return { inputs, nameAmount, change, fee: feeWith };
  // No change output: whatever is left over (less than dust) goes to the fee.
  const vNo = measureVsize(inputs, [{ script: nameScript, value: nameAmount }], key);
  const feeNo = totalIn - nameAmount;
  return feeNo >= requiredFee(vNo, policy, network) ? { inputs, nameAmount, change: null, fee: feeNo } : null;
}

export function buildNameUpdate(req: NameUpdateRequest): SignedNameUpdate {
  const { key } = req;
  if (typeof key !== 'object' || key === null || typeof key.network !== 'object') refuse('bad-key', 'key is missing; load the hot key with parseKeyFile');
  if (!Array.isArray(req.feeCoins)) refuse('bad-coin', 'feeCoins must be a list (empty to pay from the name coin’s surplus)');
  const network = key.network;
  const name = toBytes(req.name);
  const value = toBytes(req.value);
  if (name.length === 0) refuse('wrong-name', 'name is empty; configure the dd/ name to update');
  if (name.length > MAX_NAME_LENGTH) refuse('name-too-long', `name is ${name.length} bytes; Namecoin allows at most ${MAX_NAME_LENGTH}`);
  if (value.length > MAX_VALUE_LENGTH) {
    refuse('value-too-long', `value is ${value.length} bytes; at most ${MAX_VALUE_LENGTH} can be spent again, so shorten the record (compact JSON, fewer entries)`);
  }
  if (req.expiresIn !== undefined && req.expiresIn <= 0) {
    refuse('expired-or-new', `the name expired ${-req.expiresIn} blocks ago (expiresIn ${req.expiresIn}); its coin is gone, the name must be registered again`);
  }
  validateFeePolicy(req.fee, network);
  checkKey(key);

  // The name coin: the configured name, held by exactly this hot key, spendable under standard policy.
  const own = hotScript(key);
  checkCoin(req.nameCoin, 'nameCoin');
  const current = parseNameScript(req.nameCoin.script);
  if (current === null) refuse('not-a-name-coin', `nameCoin ${outpoint(req.nameCoin)} carries no name operation; pass the coin of the name's latest update`);
  if (current.op === 'name_new') {
    refuse('expired-or-new', `nameCoin ${outpoint(req.nameCoin)} is a NAME_NEW commitment, not a registered name; finish the registration with name_firstupdate first`);
  }
  if (!equalBytes(current.name, name)) {
    refuse('wrong-name', `nameCoin ${outpoint(req.nameCoin)} holds the name ${showName(current.name)}, not the configured ${showName(name)}; pass the configured name's coin`);
  }
  if (!equalBytes(current.address, own)) {
    refuse('name-coin-not-hot', `nameCoin ${outpoint(req.nameCoin)} is held by ${showScript(current.address, key)}, not by the hot address ${hotAddress(key)}; transfer the name to the hot address or use its key`);
  }
  // Legacy signatures hash the whole prefixed script as bitcoinjs re-serialises it: it must come back
  // byte for byte, or the digest is not the one Core checks.
  if (key.addressType === 'p2pkh' && !roundTripsThroughBitcoinjs(req.nameCoin.script)) {
    refuse('non-roundtrip-script', `nameCoin ${outpoint(req.nameCoin)}: its script does not survive bitcoinjs decompile/compile unchanged (a non-minimal push?), so a legacy signature over it would be wrong; refusing to sign it`);
  }
  if (!isMinimallyEncoded(req.nameCoin.script)) {
    refuse('non-minimal-name-coin', `nameCoin ${outpoint(req.nameCoin)} has a non-minimal push in its script; standard nodes refuse to relay any spend of it (only a miner can include one)`);
  }

  // Fee coins: plain coins at the hot address only; another name's coin would destroy that name.
  const seen = new Set([outpoint(req.nameCoin)]);
  req.feeCoins.forEach((c, i) => {
    const field = `feeCoins[${i}]`;
    checkCoin(c, field);
    const op = parseNameScript(c.script);
    if (op !== null) {
      if (op.op === 'name_new' || !equalBytes(op.name, name)) {
        refuse('foreign-name-coin', `${field} ${outpoint(c)} is the coin of another name (${op.op === 'name_new' ? 'a NAME_NEW commitment' : showName(op.name)}); spending it as a fee would destroy that name, leave it out`);
      }
      refuse('fee-coin-is-name', `${field} ${outpoint(c)} carries the name ${showName(op.name)} itself; only plain coins may pay the fee`);
    }
    if (!equalBytes(c.script, own)) {
      refuse('fee-coin-not-hot', `${field} ${outpoint(c)} pays ${showScript(c.script, key)}, not the hot address ${hotAddress(key)}; only the hot address's own coins can be signed`);
    }
    if (seen.has(outpoint(c))) refuse('duplicate-coin', `${field} ${outpoint(c)} is listed twice`);
    seen.add(outpoint(c));
  });

  let nameScript: Uint8Array;
  try {
    nameScript = buildNameUpdateScript(name, value, own);
  } catch (e) {
    refuse('value-not-standard', `cannot build the name script: ${(e as Error).message}`);
  }

  const min = network.minNameAmount;
  if (req.nameAmount !== undefined && (!Number.isSafeInteger(req.nameAmount) || req.nameAmount < min)) {
    refuse('name-amount-too-low', `nameAmount ${String(req.nameAmount)} sat is below the ${min} sat a name output must hold (tx-name-greedy); use at least ${min}`);
  }

  // Funding: the fee coins in the order given, as few as pay; with none, the name coin's surplus.
  let plan: Plan | null = null;
  if (req.feeCoins.length === 0) {
    plan = planFor([req.nameCoin], req.nameAmount ?? 'rest', nameScript, own, req);
  } else {
    const target = req.nameAmount ?? Math.max(req.nameCoin.value, min);
    for (let k = 0; k <= req.feeCoins.length && plan === null; k++) {
      plan = planFor([req.nameCoin, ...req.feeCoins.slice(0, k)], target, nameScript, own, req);
    }
    // Fee coins too small, but the name coin has a surplus of its own: let that pay, as with none.
    if (plan === null && req.nameAmount === undefined) plan = planFor([req.nameCoin], 'rest', nameScript, own, req);
  }
  if (plan === null) {
    const have = req.nameCoin.value + req.feeCoins.reduce((s, c) => s + c.value, 0);
    refuse(
      'insufficient-funds',
      req.feeCoins.length === 0
        ? `the name coin holds ${req.nameCoin.value} sat; after the fee less than the ${min} sat a name must keep would be left; send a fee coin to the hot address ${hotAddress(key)}`
        : `the coins hold ${have} sat, not enough for the name output and the fee; send more to the hot address ${hotAddress(key)}`,
    );
  }

  const outputs = [{ script: nameScript, value: plan.nameAmount }];
  if (plan.change !== null) outputs.push({ script: own, value: plan.change });
  const tx = unsignedTx(plan.inputs, outputs);
  const estimated = measureVsize(plan.inputs, outputs, key);
  checkFeeCaps(plan.fee, estimated, req.fee);

  plan.inputs.forEach((coin, i) => {
    const digest = inputSighash(tx, i, coin.script, coin.value);
    const sig = signDigest(digest, key.privateKey);
    if (!verifyDer(digest, key.publicKey, sig.subarray(0, -1))) throw new Error(`internal: signature for input ${i} does not verify`);
    placeSignature(tx, i, key, sig);
  });

  const vsize = tx.virtualSize();
  checkFeeCaps(plan.fee, vsize, req.fee);
  assertBalanced(tx, plan);
  return {
    hex: tx.toHex(),
    txid: tx.getId(),
    vsize,
    fee: plan.fee,
    feeRate: plan.fee / vsize,
    nameOutputIndex: 0,
    nameAmount: plan.nameAmount,
    spent: plan.inputs.map((c) => ({ txid: c.txid.toLowerCase(), vout: c.vout })),
    ...(plan.change !== null ? { change: { vout: 1, value: plan.change } } : {}),
  };
}

/** Last line of defence: inputs = outputs + fee, exactly one name output, at the minimum or above. */
function assertBalanced(tx: Transaction, plan: Plan): void {
  const totalIn = plan.inputs.reduce((s, c) => s + c.value, 0);
  const totalOut = tx.outs.reduce((s, o) => s + Number(o.value), 0);
  if (totalIn !== totalOut + plan.fee) throw new Error(`internal: inputs ${totalIn} ≠ outputs ${totalOut} + fee ${plan.fee}`);
  const names = tx.outs.filter((o) => parseNameScript(o.script) !== null);
  if (names.length !== 1 || tx.outs[0] !== names[0]) throw new Error('internal: the transaction must have exactly one name output, at index 0');
}
