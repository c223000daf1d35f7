// The recorded regtest chain (../shared/fixtures/regtest, heights 150→194) rebuilt in a SimChain
// from the fixtures' raw transactions, block by block, so that replayed sessions see the same
// transactions at the same heights and block positions as the real ElectrumX did.
//
// What cannot be the same: the coinbases of the recording are not in the fixtures, so block
// hashes, headers (prev/merkle fields and the AuxPoW parts that embed them) and merkle branch
// items that cover a coinbase differ. Three of the eleven fee coins of height 164 were never
// written to the fixtures as raw transactions (only their txids, outputs and values appear);
// they are replaced by stand-ins with the same output script, vout and value (STAND_INS).
// Block positions inside 151, 163 and 164 follow the recorded histories and merkle proofs.
import { Transaction } from 'bitcoinjs-lib';
import { readFixture, readFixtureJson } from '../helpers/fixtures.ts';
import { MINER_SCRIPT } from './blocks.ts';
import { SimChain } from './chain.ts';

const fx = (label: string): string => readFixture('regtest', `${label}.hex`).trim();

function prevTxHex(label: string, txid: string): string {
  const p = readFixtureJson<{ inputs: { txid: string; prev_tx_hex: string }[] }>('regtest', `${label}.prevtxs.json`);
  const hit = p.inputs.find((i) => i.txid === txid);
  if (!hit) throw new Error(`recorded chain: ${txid} is not a prevout of ${label}`);
  return hit.prev_tx_hex;
}

/** A fee coin of the recording whose raw tx is missing: same script, vout, value. */
function standIn(tag: number, vout: number, scriptHex: string): string {
  const tx = new Transaction();
  tx.version = 2;
  const prev = new Uint8Array(32).fill(0xee);
  prev[0] = tag;
  tx.addInput(prev, 0, 0xfffffffd);
  const script = Uint8Array.from(Buffer.from(scriptHex, 'hex'));
  const other = MINER_SCRIPT;
  if (vout === 0) {
    tx.addOutput(script, 100_000_000n);
    tx.addOutput(other, 4_800_000_000n);
  } else {
    tx.addOutput(other, 4_800_000_000n);
    tx.addOutput(script, 100_000_000n);
  }
  return tx.toHex();
}

const KEY2_P2PKH = '76a91461982b8bf49a013093a409e0826afb709118266188ac';
const KEY2_P2WPKH = '001461982b8bf49a013093a409e0826afb7091182661';
const KEY3_P2WPKH = '00146c1fbb516bb7d68e7ea8579e8a71de4ca8717017';

const standIns: [recorded: string, hex: string][] = [
  ['e54605ba7e4b12bcd1b6904958a660563811ea0207f4b24dbe7f40a3546b7cf2', standIn(1, 1, KEY2_P2PKH)],
  ['9d516bab54d1ad46f9abc4e22690a2dee0b1726f33a3fea73823669701c8a1bf', standIn(2, 0, KEY2_P2WPKH)],
  ['2879feed26b25cd912deab45f6194ecfa45d3672f50fb0c3189317dbc329e619', standIn(3, 1, KEY3_P2WPKH)],
];

/** stand-in txid -> the recorded txid it replaces. */
export const STAND_INS: ReadonlyMap<string, string> = new Map(
  standIns.map(([recorded, hex]) => [Transaction.fromHex(hex).getId(), recorded]),
);

const hexOfStandIn = (recorded: string): string => standIns.find(([r]) => r === recorded)![1];

/** Block contents of the recording (labels are fixture files; order = block position after the coinbase). */
function recordedBlocks(): Map<number, string[]> {
  return new Map<number, string[]>([
    [151, ['p2wpkh-update/register.name_new', 'p2pkh-update/register.name_new', 'surplus-fee/register.name_new', 'expiry/register.name_new', 'rejections/register-echo.name_new'].map(fx)],
    // positions from the recorded merkle proofs: charlie 1, echo 2, alpha 3, delta 4, bravo 5
    [163, ['surplus-fee/register.name_firstupdate', 'rejections/register-echo.name_firstupdate', 'p2wpkh-update/register.name_firstupdate', 'expiry/register.name_firstupdate', 'p2pkh-update/register.name_firstupdate'].map(fx)],
    // the fee coins, in the order the recorded owner histories list them
    [
      164,
      [
        fx('rbf-and-chains/fund-b'),
        fx('rbf-and-chains/fund-a'),
        fx('p2wpkh-update/fund'),
        fx('rejections/fund'),
        hexOfStandIn('e54605ba7e4b12bcd1b6904958a660563811ea0207f4b24dbe7f40a3546b7cf2'),
        fx('p2pkh-update/fund'),
        fx('expiry/fund'),
        hexOfStandIn('9d516bab54d1ad46f9abc4e22690a2dee0b1726f33a3fea73823669701c8a1bf'),
        fx('rejections/fund-echo'),
        hexOfStandIn('2879feed26b25cd912deab45f6194ecfa45d3672f50fb0c3189317dbc329e619'),
        prevTxHex('rejections/spend-nonminimal-name-coin', 'ff51be66e4cdc6857db86267d809231698fc067d111fe9269d549fbe01d222cf'),
      ],
    ],
    [165, [fx('p2wpkh-update/update')]],
    [166, [fx('p2pkh-update/update')]],
    [167, [fx('surplus-fee/surplus')]],
    [168, [fx('rejections/nonminimal-name-pushdata1')]],
    [169, [fx('rejections/spend-nonminimal-name-coin')]],
    [170, [fx('rbf-and-chains/replacement-higher-fee'), fx('rbf-and-chains/u2-chained')]],
  ]);
}

/** Block times read from the recorded headers of 168, 169 and 170 (so verbose txs match). */
export const RECORDED_BLOCK_TIMES: ReadonlyMap<number, number> = new Map([
  [168, 1796298430],
  [169, 1796298441],
  [170, 1796298479],
]);

/**
 * The recorded chain up to `tip` (150..194): blocks as recorded, empty blocks elsewhere. Mempool
 * empty. A scenario's replay starts from the tip just before it (p2wpkh-update: 164,
 * p2pkh-update: 165, surplus-fee: 166, rejections: 167, rbf-and-chains: 169,
 * electrum-transcripts: 170, expiry: 191).
 */
export function recordedChain(tip: number, opts: { verifySignatures?: boolean } = {}): SimChain {
  if (tip < 150) throw new Error(`recordedChain: the recording starts at height 150, not ${tip}`);
  const chain = new SimChain({ startHeight: 150, ...opts });
  const blocks = recordedBlocks();
  for (let h = 151; h <= tip; h++) {
    const time = RECORDED_BLOCK_TIMES.get(h);
    chain.mineRaw(blocks.get(h) ?? [], time === undefined ? {} : { time });
  }
  return chain;
}
