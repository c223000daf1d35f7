// Decode a raw Namecoin transaction into what the agent, the chain client and the simulator ask of
// it: outpoints spent, outputs with their name operation (if any) and the address behind the prefix.
import { Transaction } from 'bitcoinjs-lib/src/transaction';
import { reversedHex } from './bytes.ts';
import { scriptToAddress } from './keys.ts';
import { type NameScript, parseNameScript } from './namescript.ts';
import type { NamecoinNetwork } from './network.ts';

export interface DecodedInput {
  txid: string;
  vout: number;
  sequence: number;
  scriptSig: Uint8Array;
  witness: Uint8Array[];
}

export interface DecodedOutput {
  vout: number;
  /** Satoshis. */
  value: number;
  /** The full script, name prefix included. */
  script: Uint8Array;
  /** The name operation, or null for a plain output. */
  nameOp: NameScript | null;
  /** The script without the name prefix (ElectrumX indexes the owner under this). */
  addressScript: Uint8Array;
  /** Address of `addressScript` on this network, or null if it has none (P2TR, OP_RETURN, …). */
  address: string | null;
}

export interface DecodedNameTransaction {
  txid: string;
  wtxid: string;
  version: number;
  locktime: number;
  size: number;
  vsize: number;
  weight: number;
  /** version === 0x7100: the only version that may carry name operations. */
  isNameVersion: boolean;
  inputs: DecodedInput[];
  outputs: DecodedOutput[];
  /** Index of the (single, per consensus) name output, or null if there is none. */
  nameOutputIndex: number | null;
}

export function decodeNameTransaction(hex: string, network: NamecoinNetwork): DecodedNameTransaction {
  let tx: Transaction;
  try {
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error('not hex');
    tx = Transaction.fromHex(hex);
  } catch (e) {
    throw new Error(`transaction hex does not parse as a transaction (${(e as Error).message}); pass the raw transaction as hex`);
  }
  const outputs = tx.outs.map((o, vout): DecodedOutput => {
    const nameOp = parseNameScript(o.script);
    const addressScript = nameOp?.address ?? Uint8Array.from(o.script);
    const value = Number(o.value);
    if (!Number.isSafeInteger(value)) throw new Error(`output ${vout} value ${o.value} is out of range`);
    return { vout, value, script: Uint8Array.from(o.script), nameOp, addressScript, address: scriptToAddress(addressScript, network) };
  });
  const nameOut = outputs.findIndex((o) => o.nameOp !== null);
  return {
    txid: tx.getId(),
    wtxid: reversedHex(tx.getHash(true)),
    version: tx.version,
    locktime: tx.locktime,
    size: tx.byteLength(),
    vsize: tx.virtualSize(),
    weight: tx.weight(),
    isNameVersion: tx.version === 0x7100,
    inputs: tx.ins.map((i) => ({
      txid: reversedHex(i.hash),
      vout: i.index,
      sequence: i.sequence,
      scriptSig: Uint8Array.from(i.script),
      witness: i.witness.map((w) => Uint8Array.from(w)),
    })),
    outputs,
    nameOutputIndex: nameOut < 0 ? null : nameOut,
  };
}
