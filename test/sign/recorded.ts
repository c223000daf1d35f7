// Typed access to the recorded regtest/mainnet transactions (fixtures/README.md describes the files).
import { existsSync, readdirSync } from 'node:fs';
import { hexToBytes } from '../../src/sign/bytes.ts';
import { fixturePath, readFixture, readFixtureJson } from '../helpers/fixtures.ts';

export interface PrevTxs {
  txid: string;
  inputs: { vin: number; txid: string; vout: number; value_sat: number; script_hex: string; prev_tx_hex: string }[];
}

export interface SigCheck {
  txid: string;
  inputs: {
    vin: number;
    prevout_script_hex: string;
    type: string;
    hashtype: number;
    scriptCode_hex: string;
    amount_sat?: number;
    sighash_hex: string;
    pubkey_hex: string;
    signature_der_hex: string;
    verifies: boolean;
    signer?: string | null;
    rfc6979_lowR_signature_hex?: string;
    rfc6979_lowR_grind_counter?: number;
    matches_node_signature?: boolean;
    alt_sighash_without_name_prefix_hex?: string;
  }[];
}

export interface FixtureKey {
  label: string;
  privkey_hex: string;
  wif_regtest: string;
  pubkey_compressed_hex: string;
  hash160_hex: string;
  p2pkh: { address: string; script_hex: string; scripthash: string };
  p2wpkh: { address: string; script_hex: string; scripthash: string };
}

export const KEYS: FixtureKey[] = readFixtureJson<FixtureKey[]>('keys.json');

export function fixtureKey(label: string): FixtureKey {
  const k = KEYS.find((x) => x.label === label);
  if (!k) throw new Error(`no fixture key ${label}`);
  return k;
}

export interface Recorded {
  scenario: string;
  label: string;
  hex: string;
  prev: PrevTxs;
  prevouts: { script: Uint8Array; value: number }[];
  sigcheck: SigCheck | null;
}

export function recorded(scenario: string, label: string): Recorded {
  const dir = fixturePath('regtest', scenario);
  const hex = readFixture('regtest', scenario, `${label}.hex`).trim();
  const prev = readFixtureJson<PrevTxs>('regtest', scenario, `${label}.prevtxs.json`);
  const sigcheck = existsSync(`${dir}/${label}.sigcheck.json`)
    ? readFixtureJson<SigCheck>('regtest', scenario, `${label}.sigcheck.json`)
    : null;
  const prevouts = prev.inputs.map((i) => ({ script: hexToBytes(i.script_hex), value: i.value_sat }));
  return { scenario, label, hex, prev, prevouts, sigcheck };
}

/** Every regtest transaction recorded with its prevouts, as [scenario, label]. */
export function allRecorded(): [string, string][] {
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

export interface MainnetTx {
  txid: string;
  hex: string;
  vin: { txid: string; vout: number; scriptSig: { hex: string }; sequence: number }[];
  vout: { value: number; n: number; scriptPubKey: { hex: string } }[];
}

export function mainnetTx(short: string): MainnetTx {
  return readFixtureJson<MainnetTx>('mainnet', `namecoin_mainnet_${short}.json`);
}
