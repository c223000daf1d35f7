// Time to build and sign one name_update (P2WPKH and legacy P2PKH hot keys): what each update
// costs the router's CPU. Synthetic coins, a fixed key; median over many runs after a warm-up.
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '../src/sign/bytes.ts';
import { base58CheckEncode } from '../src/sign/base58.ts';
import { type AddressType, hotKeyFromWif, hotScript } from '../src/sign/keys.ts';
import { buildNameUpdateScript } from '../src/sign/namescript.ts';
import { getNetwork } from '../src/sign/network.ts';
import { buildNameUpdate, type NameUpdateRequest } from '../src/sign/update.ts';

const network = getNetwork('mainnet');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const wif = base58CheckEncode(Uint8Array.from([network.bitcoinjs.wif, ...sha256(enc('nmcddns bench key')), 1]));

function request(type: AddressType, i: number): NameUpdateRequest {
  const key = hotKeyFromWif(wif, network, type);
  const own = hotScript(key);
  return {
    key,
    name: 'dd/example',
    // A different value each run, so every run hashes and signs afresh.
    value: `{"ip":"198.51.100.${i % 250}","ip6":"2001:db8::${i.toString(16)}"}`,
    nameCoin: { txid: bytesToHex(sha256(enc('name'))), vout: 0, value: 1_000_000, script: buildNameUpdateScript(enc('dd/example'), enc('{"ip":"192.0.2.1"}'), own) },
    feeCoins: [{ txid: bytesToHex(sha256(enc('fee'))), vout: 1, value: 50_000_000, script: own }],
    fee: { feeRate: 100, maxFee: 1_000_000, maxFeeRate: 1000 },
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

const RUNS = 400;
for (const type of ['p2wpkh', 'p2pkh'] as const) {
  const t0 = process.hrtime.bigint();
  const first = buildNameUpdate(request(type, 0));
  const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
  for (let i = 0; i < 50; i++) buildNameUpdate(request(type, i));
  (globalThis as { gc?: () => void }).gc?.();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const req = request(type, i);
    const s = process.hrtime.bigint();
    buildNameUpdate(req);
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  console.log(
    `sign name_update ${type}: median ${quantile(times, 0.5).toFixed(3)} ms, p90 ${quantile(times, 0.9).toFixed(3)} ms over ${RUNS} runs ` +
      `(first call ${firstMs.toFixed(1)} ms); tx ${first.vsize} vB, fee ${first.fee} sat at ${first.feeRate.toFixed(1)} sat/vB`,
  );
}
