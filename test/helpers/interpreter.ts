// The independent check: bitcore-lib's script interpreter (not this project's code) decides whether
// an input of a Namecoin transaction is validly signed. Reference namecoin.md §1.5 and §8:
// Namecoin Core runs the WHOLE prefixed scriptPubKey in BASE mode, then strips the name prefix and
// checks the rest as a witness program / P2SH script. bitcore knows nothing of names, so for a name
// prevout we do the same two steps: (1) scriptSig + full prefixed script, without the WITNESS and P2SH
// rules (this checks the prefix's pushes under MINIMALDATA and the legacy signature over the full
// script); (2) scriptSig + the stripped address script with every flag, witness and value.
import { createRequire } from 'node:module';
import { parseNameScript } from '../../src/sign/namescript.ts';

interface BitcoreScript {
  toBuffer(): Buffer;
}
interface BitcoreInput {
  script: BitcoreScript;
  getWitnesses(): Buffer[];
}
interface BitcoreTransaction {
  inputs: BitcoreInput[];
}
interface BitcoreInterpreter {
  errstr: string;
  verify(
    scriptSig: BitcoreScript,
    scriptPubkey: BitcoreScript,
    tx: BitcoreTransaction,
    nin: number,
    flags: number,
    witness: Buffer[],
    satoshis: number,
  ): boolean;
}
interface Bitcore {
  version: string;
  Transaction: new (hex: string) => BitcoreTransaction;
  Script: { fromBuffer(b: Buffer): BitcoreScript; new (): BitcoreScript };
  Script_Interpreter: new () => BitcoreInterpreter;
}

const require = createRequire(import.meta.url);
const raw = require('bitcore-lib') as {
  version: string;
  Transaction: Bitcore['Transaction'];
  Script: Bitcore['Script'] & { Interpreter: Bitcore['Script_Interpreter'] & Record<string, number> };
};
const Interpreter = raw.Script.Interpreter;

/** bitcore-lib's version string, for test titles and reports. */
export const BITCORE_VERSION: string = raw.version;

/** §8: the flags that Namecoin Core's signatures pass in bitcore. CLEANSTACK is left out (see §8). */
export const VERIFY_FLAGS: number =
  Interpreter.SCRIPT_VERIFY_P2SH! |
  Interpreter.SCRIPT_VERIFY_STRICTENC! |
  Interpreter.SCRIPT_VERIFY_DERSIG! |
  Interpreter.SCRIPT_VERIFY_LOW_S! |
  Interpreter.SCRIPT_VERIFY_NULLFAIL! |
  Interpreter.SCRIPT_VERIFY_MINIMALDATA! |
  Interpreter.SCRIPT_VERIFY_WITNESS!;

const BASE_FLAGS = VERIFY_FLAGS & ~Interpreter.SCRIPT_VERIFY_WITNESS! & ~Interpreter.SCRIPT_VERIFY_P2SH!;

export interface VerifyResult {
  ok: boolean;
  error?: string;
}

/** Core CScript::IsWitnessProgram: a version opcode (OP_0, OP_1..OP_16) then one 2..40-byte push. */
function isWitnessProgram(s: Uint8Array): boolean {
  if (s.length < 4 || s.length > 42) return false;
  if (s[0] !== 0x00 && (s[0]! < 0x51 || s[0]! > 0x60)) return false;
  return s[1]! + 2 === s.length;
}

function isP2sh(s: Uint8Array): boolean {
  return s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87;
}

function parseTx(txHex: string): BitcoreTransaction {
  return new raw.Transaction(txHex);
}

function verifyParsed(
  tx: BitcoreTransaction,
  inputIndex: number,
  prevScript: Uint8Array,
  prevValue: number,
): VerifyResult {
  const input = tx.inputs[inputIndex];
  if (input === undefined) return { ok: false, error: `input ${inputIndex} does not exist (tx has ${tx.inputs.length})` };
  const scriptSig = input.script;
  const witness = input.getWitnesses() ?? [];
  const name = parseNameScript(prevScript);
  try {
    // Core strips the prefix only to look for a witness program or P2SH; a P2PKH/P2PK name coin is
    // checked as the full prefixed script and nothing else (its legacy sighash covers the prefix).
    const twoStep = name !== null && (isWitnessProgram(name.address) || isP2sh(name.address));
    if (twoStep) {
      const full = raw.Script.fromBuffer(Buffer.from(prevScript));
      const base = new Interpreter();
      if (!base.verify(scriptSig, full, tx, inputIndex, BASE_FLAGS, [], prevValue)) {
        return { ok: false, error: `prefixed script (base mode): ${base.errstr}` };
      }
    }
    const addressScript = raw.Script.fromBuffer(Buffer.from(twoStep ? name.address : prevScript));
    const interp = new Interpreter();
    if (!interp.verify(scriptSig, addressScript, tx, inputIndex, VERIFY_FLAGS, witness, prevValue)) {
      return { ok: false, error: interp.errstr || 'verification failed' };
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `bitcore threw: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** Is input `inputIndex` of `txHex` validly signed for a prevout (script, value in satoshis)? */
export function verifyInputWithBitcore(
  txHex: string,
  inputIndex: number,
  prevScript: Uint8Array,
  prevValue: number,
): VerifyResult {
  return verifyParsed(parseTx(txHex), inputIndex, prevScript, prevValue);
}

/** Every input, in order; `prevouts[i]` is what input i spends. ok only if all verify. */
export function verifyAllInputs(
  txHex: string,
  prevouts: { script: Uint8Array; value: number }[],
): VerifyResult & { inputs: VerifyResult[] } {
  const tx = parseTx(txHex);
  if (prevouts.length !== tx.inputs.length) {
    const error = `tx has ${tx.inputs.length} inputs but ${prevouts.length} prevouts were given`;
    return { ok: false, error, inputs: [] };
  }
  const inputs = prevouts.map((p, i) => verifyParsed(tx, i, p.script, p.value));
  const bad = inputs.findIndex((r) => !r.ok);
  return bad < 0 ? { ok: true, inputs } : { ok: false, error: `input ${bad}: ${inputs[bad]!.error}`, inputs };
}
