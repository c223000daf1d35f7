// Our digests are the ones Namecoin Core signed: every recorded signature verifies against them,
// and our RFC6979 + low-R signer reproduces Core's signatures byte for byte.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/sign/bytes.ts';
import { encodeDer, signLowR, verifyDer } from '../../src/sign/ecdsa.ts';
import { inputSighash, legacySighash, roundTripsThroughBitcoinjs } from '../../src/sign/sighash.ts';
import { SignRefusal } from '../../src/sign/refusal.ts';
import { allRecorded, fixtureKey, mainnetTx, recorded } from './recorded.ts';

const SCENARIOS = ['p2wpkh-update', 'p2pkh-update', 'surplus-fee', 'rbf-and-chains', 'expiry', 'rejections'];

/** The DER signature (without sighash byte) and pubkey an input carries. */
function sigAndKey(tx: bitcoin.Transaction, vin: number): { der: Uint8Array; hashType: number; pubkey: Uint8Array } {
  const input = tx.ins[vin]!;
  let items: Uint8Array[];
  if (input.witness.length > 0) items = input.witness;
  else items = bitcoin.script.decompile(input.script)!.filter((c): c is Uint8Array => c instanceof Uint8Array);
  const sig = items[0]!;
  return { der: sig.subarray(0, sig.length - 1), hashType: sig[sig.length - 1]!, pubkey: items[1]! };
}

describe('sighash of every recorded regtest input', () => {
  const cases = allRecorded().filter(([s]) => SCENARIOS.includes(s));
  let reproduced = 0;
  let signed = 0;
  for (const [scenario, label] of cases) {
    test(`${scenario}/${label}`, () => {
      const r = recorded(scenario, label);
      // Every recorded transaction has its sigcheck: a missing one must not pass silently.
      expect(r.sigcheck, `${scenario}/${label}.sigcheck.json`).not.toBeNull();
      const tx = bitcoin.Transaction.fromHex(r.hex);
      expect(r.sigcheck!.inputs.length).toBe(tx.ins.length);
      for (const check of r.sigcheck!.inputs) {
        const prevout = r.prevouts[check.vin]!;
        expect(bytesToHex(prevout.script)).toBe(check.prevout_script_hex);
        const digest = inputSighash(tx, check.vin, prevout.script, prevout.value);
        expect(bytesToHex(digest), `vin ${check.vin}`).toBe(check.sighash_hex);
        const { der, hashType, pubkey } = sigAndKey(tx, check.vin);
        expect(hashType).toBe(1);
        expect(bytesToHex(der)).toBe(check.signature_der_hex);
        // The recorded damaged signatures must fail against our digest; all others must pass.
        expect(verifyDer(digest, pubkey, der), `vin ${check.vin} verifies`).toBe(check.verifies);
        if (check.signer && check.verifies && check.matches_node_signature) {
          const key = fixtureKey(check.signer);
          expect(bytesToHex(pubkey)).toBe(key.pubkey_compressed_hex);
          const mine = signLowR(digest, hexToBytes(key.privkey_hex));
          expect(bytesToHex(encodeDer(mine.compact)), `vin ${check.vin} reproduced`).toBe(check.signature_der_hex);
          expect(mine.counter).toBe(check.rfc6979_lowR_grind_counter);
          reproduced++;
        }
        if (check.signer) signed++;
      }
    });
  }
  test('most fixture-key signatures were reproduced', () => {
    // fixtures README: 42 of 42 node signatures made with the fixture keys are reproducible.
    expect(signed).toBeGreaterThanOrEqual(42);
    expect(reproduced).toBeGreaterThanOrEqual(42);
  });
});

describe('legacy P2PKH name input: scriptCode is the full prefixed script', () => {
  test('p2pkh-update: the signature fails against the stripped-script digest', () => {
    const r = recorded('p2pkh-update', 'update');
    const tx = bitcoin.Transaction.fromHex(r.hex);
    const check = r.sigcheck!.inputs[0]!;
    const stripped = hexToBytes(check.prevout_script_hex).subarray(-25);
    const wrong = legacySighash(tx, 0, stripped);
    expect(bytesToHex(wrong)).toBe(check.alt_sighash_without_name_prefix_hex);
    const { der, pubkey } = sigAndKey(tx, 0);
    expect(verifyDer(wrong, pubkey, der)).toBe(false);
  });

  test('mainnet cfc5d7 input 1 (uncompressed key, spends FIRSTUPDATE 5e3495:1)', () => {
    const update = mainnetTx('cfc5d7');
    const first = mainnetTx('5e3495');
    const tx = bitcoin.Transaction.fromHex(update.hex);
    expect(tx.getId()).toBe(update.txid);
    expect(update.vin[1]!.txid).toBe(first.txid);
    const prevScript = hexToBytes(first.vout[update.vin[1]!.vout]!.scriptPubKey.hex);
    const digest = inputSighash(tx, 1, prevScript, first.vout[1]!.value);
    expect(bytesToHex(digest)).toBe('2f0230fbaa9e9d563b5a752f4192e7ddbd6b3ba917fdf3ca452a5c191330b7e9');
    const { der, pubkey } = sigAndKey(tx, 1);
    expect(pubkey.length).toBe(65);
    expect(verifyDer(digest, pubkey, der)).toBe(true);
    expect(verifyDer(legacySighash(tx, 1, prevScript.subarray(-25)), pubkey, der)).toBe(false);
  });

  test('the mainnet chain 0c6867 → 5e3495 → cfc5d7 and the other updates verify on every input whose prevout is recorded', () => {
    const txs = ['0c6867', '5e3495', 'cfc5d7', '037339', '460f2b'].map(mainnetTx);
    const byId = new Map(txs.map((t) => [t.txid, t]));
    let checked = 0;
    for (const t of txs) {
      const tx = bitcoin.Transaction.fromHex(t.hex);
      t.vin.forEach((vin, i) => {
        const prev = byId.get(vin.txid);
        if (!prev) return;
        const out = prev.vout[vin.vout]!;
        const digest = inputSighash(tx, i, hexToBytes(out.scriptPubKey.hex), out.value);
        const { der, pubkey } = sigAndKey(tx, i);
        expect(verifyDer(digest, pubkey, der)).toBe(true);
        checked++;
      });
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});

describe('the round-trip guard before legacy signing', () => {
  const tx = bitcoin.Transaction.fromHex(recorded('p2pkh-update', 'update').hex);
  test('a 1-byte direct push of 0x05 in the name prefix is refused (bitcoinjs would rewrite it to OP_5)', () => {
    // 53 <push "dd/x"> 01 05 6d 75 <p2pkh>: Core parses it; bitcoinjs decompiles 01 05 to OP_5.
    const script = hexToBytes('530464642f780105' + '6d75' + '76a91461982b8bf49a013093a409e0826afb709118266188ac');
    expect(roundTripsThroughBitcoinjs(script)).toBe(false);
    expect(() => legacySighash(tx, 0, script)).toThrow(SignRefusal);
    try {
      legacySighash(tx, 0, script);
    } catch (e) {
      expect((e as SignRefusal).code).toBe('non-roundtrip-script');
    }
  });
  test('a PUSHDATA1 used for a short name is refused', () => {
    const script = hexToBytes('534c0464642f78' + '027b7d6d75' + '76a91461982b8bf49a013093a409e0826afb709118266188ac');
    expect(roundTripsThroughBitcoinjs(script)).toBe(false);
    expect(() => legacySighash(tx, 0, script)).toThrow(/decompile\/compile/);
  });
  test('the recorded minimal scripts round-trip', () => {
    expect(roundTripsThroughBitcoinjs(recorded('p2pkh-update', 'update').prevouts[0]!.script)).toBe(true);
  });
});
