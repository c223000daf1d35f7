// Signature digests for the two input kinds the hot key spends (reference namecoin.md §1.6):
//   P2PKH (name coin or plain): legacy sighash, scriptCode = the FULL prevout script, name prefix
//     included — Core runs the whole prefixed script, so OP_CHECKSIG's scriptCode starts at its
//     first byte;
//   P2WPKH (name coin or plain): BIP143, scriptCode 1976a914{hash160}88ac, amount = the coin's value;
//     the name prefix plays no part.
// bitcoinjs' legacy hashForSignature re-serialises the prevout script through decompile/compile,
// which rewrites non-minimal pushes; we refuse any script that does not survive that unchanged, since
// the digest would then not be the one Core checks.
import * as bscript from 'bitcoinjs-lib/src/script';
import { Transaction } from 'bitcoinjs-lib/src/transaction';
import { concatBytes, equalBytes } from './bytes.ts';
import { classifyScript } from './keys.ts';
import { stripNamePrefix } from './namescript.ts';
import { SignRefusal } from './refusal.ts';

export const SIGHASH_ALL = Transaction.SIGHASH_ALL;

/** True if bitcoinjs reproduces the script exactly when it decompiles and recompiles it. */
export function roundTripsThroughBitcoinjs(script: Uint8Array): boolean {
  const chunks = bscript.decompile(script);
  return chunks !== null && equalBytes(bscript.compile(chunks), script);
}

export function legacySighash(tx: Transaction, inputIndex: number, prevScript: Uint8Array, hashType = SIGHASH_ALL): Uint8Array {
  if (!roundTripsThroughBitcoinjs(prevScript)) {
    throw new SignRefusal(
      'non-roundtrip-script',
      `input ${inputIndex}: its prevout script does not survive bitcoinjs decompile/compile unchanged (a non-minimal push?), so a legacy signature over it would be wrong; refusing to sign this coin`,
    );
  }
  return tx.hashForSignature(inputIndex, prevScript, hashType);
}

export function p2wpkhScriptCode(pubkeyHash: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), pubkeyHash, Uint8Array.of(0x88, 0xac));
}

/** BIP143 digest for a P2WPKH program `0014{20}` (pass the stripped program or the full script). */
export function witnessV0Sighash(tx: Transaction, inputIndex: number, program: Uint8Array, value: number, hashType = SIGHASH_ALL): Uint8Array {
  const address = stripNamePrefix(program);
  if (classifyScript(address) !== 'p2wpkh') throw new SignRefusal('unsupported-script', `input ${inputIndex}: not a P2WPKH program`);
  return tx.hashForWitnessV0(inputIndex, p2wpkhScriptCode(address.subarray(2)), BigInt(value), hashType);
}

/** The digest Namecoin Core checks for this input, chosen by the prevout's (prefix-stripped) type. */
export function inputSighash(tx: Transaction, inputIndex: number, prevScript: Uint8Array, value: number, hashType = SIGHASH_ALL): Uint8Array {
  const kind = classifyScript(stripNamePrefix(prevScript));
  if (kind === 'p2wpkh') return witnessV0Sighash(tx, inputIndex, prevScript, value, hashType);
  if (kind === 'p2pkh') return legacySighash(tx, inputIndex, prevScript, hashType);
  throw new SignRefusal('unsupported-script', `input ${inputIndex}: prevout type ${kind ?? 'nonstandard'} is not one the hot key signs (P2WPKH or P2PKH only)`);
}
