// The independent interpreter (bitcore-lib) must accept every signature Namecoin Core made in the
// recordings and reject the deliberately damaged ones: otherwise it proves nothing about our signer.
import { readdirSync, existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { hexToBytes } from '../../src/sign/bytes.ts';
import { fixturePath, readFixture, readFixtureJson } from '../helpers/fixtures.ts';
import { BITCORE_VERSION, verifyAllInputs, verifyInputWithBitcore } from '../helpers/interpreter.ts';

interface PrevTxs {
  txid: string;
  inputs: { vin: number; txid: string; vout: number; value_sat: number; script_hex: string }[];
}

/** Every recorded regtest transaction that has its prevouts: [scenario, label]. */
function recordedTransactions(): [string, string][] {
  const out: [string, string][] = [];
  for (const scenario of readdirSync(fixturePath('regtest'))) {
    const dir = fixturePath('regtest', scenario);
    if (!existsSync(`${dir}/README.md`)) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.prevtxs.json')) continue;
      const label = f.slice(0, -'.prevtxs.json'.length);
      if (existsSync(`${dir}/${label}.hex`)) out.push([scenario, label]);
    }
  }
  return out.sort();
}

function load(scenario: string, label: string) {
  const hex = readFixture('regtest', scenario, `${label}.hex`).trim();
  const prev = readFixtureJson<PrevTxs>('regtest', scenario, `${label}.prevtxs.json`);
  const prevouts = prev.inputs.map((i) => ({ script: hexToBytes(i.script_hex), value: i.value_sat }));
  return { hex, prevouts };
}

// Damaged on purpose (README of rejections): a flipped signature byte, and a spend of a coin whose
// name prefix has a non-minimal push (fails MINIMALDATA, like Core's mempool).
const EXPECTED_FAILURES: Record<string, RegExp> = {
  'rejections/bad-signature': /^input 0: .*(NULLFAIL|SIG|EVAL_FALSE)/,
  'rejections/bad-signature-fee-input': /^input 1: .*(NULLFAIL|SIG|EVAL_FALSE)/,
  'rejections/spend-nonminimal-name-coin': /^input 0: .*MINIMAL/,
};

describe(`bitcore-lib ${BITCORE_VERSION} on the recorded regtest transactions`, () => {
  const all = recordedTransactions();
  test('the recordings are there', () => {
    expect(all.length).toBeGreaterThan(20);
  });
  for (const [scenario, label] of all) {
    const key = `${scenario}/${label}`;
    test(key, () => {
      const { hex, prevouts } = load(scenario, label);
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
    const { hex, prevouts } = load('p2wpkh-update', 'update');
    const p = prevouts[0]!;
    expect(verifyInputWithBitcore(hex, 0, p.script, p.value).ok).toBe(true);
    expect(verifyInputWithBitcore(hex, 0, p.script, p.value + 1).ok).toBe(false);
  });
  test('a legacy P2PKH name input fails when checked against the stripped script', () => {
    const { hex, prevouts } = load('p2pkh-update', 'update');
    const nameInput = prevouts.findIndex((p) => p.script[0] === 0x52 || p.script[0] === 0x53);
    expect(nameInput).toBeGreaterThanOrEqual(0);
    const full = prevouts[nameInput]!;
    expect(verifyInputWithBitcore(hex, nameInput, full.script, full.value).ok).toBe(true);
    const stripped = full.script.subarray(full.script.length - 25);
    expect(verifyInputWithBitcore(hex, nameInput, stripped, full.value).ok).toBe(false);
  });
  test('a missing input index is reported, not thrown', () => {
    const { hex, prevouts } = load('p2wpkh-update', 'update');
    expect(verifyInputWithBitcore(hex, 7, prevouts[0]!.script, 1).error).toMatch(/input 7 does not exist/);
    expect(verifyAllInputs(hex, prevouts.slice(1)).error).toMatch(/2 inputs but 1 prevouts/);
  });
});
