// The independent interpreter (bitcore-lib) must accept every signature Namecoin Core made in the
// recordings and reject the deliberately damaged ones: otherwise it proves nothing about our signer.
import { describe, expect, test } from 'vitest';
import { BITCORE_VERSION, verifyAllInputs, verifyInputWithBitcore } from '../helpers/interpreter.ts';
import { allRecorded, recorded } from './recorded.ts';

// Damaged on purpose (README of rejections): a flipped signature byte, and a spend of a coin whose
// name prefix has a non-minimal push (fails MINIMALDATA, like Core's mempool).
const EXPECTED_FAILURES: Record<string, RegExp> = {
  'rejections/bad-signature': /^input 0: .*(NULLFAIL|SIG|EVAL_FALSE)/,
  'rejections/bad-signature-fee-input': /^input 1: .*(NULLFAIL|SIG|EVAL_FALSE)/,
  'rejections/spend-nonminimal-name-coin': /^input 0: .*MINIMAL/,
};

describe(`bitcore-lib ${BITCORE_VERSION} on the recorded regtest transactions`, () => {
  const all = allRecorded();
  test('the recordings are there', () => {
    expect(all.length).toBeGreaterThan(20);
  });
  for (const [scenario, label] of all) {
    const key = `${scenario}/${label}`;
    test(key, () => {
      const { hex, prevouts } = recorded(scenario, label);
      const result = verifyAllInputs(hex, prevouts);
      const failure = EXPECTED_FAILURES[key];
      if (failure) {
        expect(result.ok).toBe(false);
        expect(result.error).toMatch(failure);
      } else {
        expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
      }
    });
  }
});

describe('verifyInputWithBitcore', () => {
  test('a P2WPKH name input fails against the wrong value (BIP143 commits to it)', () => {
    const { hex, prevouts } = recorded('p2wpkh-update', 'update');
    const p = prevouts[0]!;
    expect(verifyInputWithBitcore(hex, 0, p.script, p.value).ok).toBe(true);
    expect(verifyInputWithBitcore(hex, 0, p.script, p.value + 1).ok).toBe(false);
  });
  test('a legacy P2PKH name input fails when checked against the stripped script', () => {
    const { hex, prevouts } = recorded('p2pkh-update', 'update');
    const nameInput = prevouts.findIndex((p) => p.script[0] === 0x52 || p.script[0] === 0x53);
    expect(nameInput).toBeGreaterThanOrEqual(0);
    const full = prevouts[nameInput]!;
    expect(verifyInputWithBitcore(hex, nameInput, full.script, full.value).ok).toBe(true);
    const stripped = full.script.subarray(full.script.length - 25);
    expect(verifyInputWithBitcore(hex, nameInput, stripped, full.value).ok).toBe(false);
  });
  test('a missing input index is reported, not thrown', () => {
    const { hex, prevouts } = recorded('p2wpkh-update', 'update');
    expect(verifyInputWithBitcore(hex, 7, prevouts[0]!.script, 1).error).toMatch(/input 7 does not exist/);
    expect(verifyAllInputs(hex, prevouts.slice(1)).error).toMatch(/2 inputs but 1 prevouts/);
  });
});
