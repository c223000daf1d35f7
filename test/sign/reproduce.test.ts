// Rebuild every name_update Namecoin Core built in the recordings, from the same prevouts with the
// fixture keys, and compare: byte-for-byte hex, bitcore acceptance, re-parsed name/value/address.
import { describe, expect, test } from 'vitest';
import { bytesToHex, equalBytes, hexToBytes } from '../../src/sign/bytes.ts';
import { hotKeyFromWif, hotScript, type HotKey } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { buildNameUpdate, type Coin } from '../../src/sign/update.ts';
import { verifyAllInputs } from '../helpers/interpreter.ts';
import { KEYS, recorded } from './recorded.ts';

const regtest = getNetwork('regtest');

/** The fixture key (and address type) whose plain script is `script`. */
function keyFor(script: Uint8Array): HotKey {
  for (const k of KEYS) {
    for (const type of ['p2wpkh', 'p2pkh'] as const) {
      const key = hotKeyFromWif(k.wif_regtest, regtest, type);
      if (equalBytes(hotScript(key), script)) return key;
    }
  }
  throw new Error(`no fixture key owns ${bytesToHex(script)}`);
}

// Updates Namecoin Core built with (name coin, fee coins…) inputs, name output first and change
// second: exactly the layout our signer produces, so its output must equal Core's byte for byte.
const CORE_BUILT: [string, string][] = [
  ['p2wpkh-update', 'update'],
  ['p2pkh-update', 'update'],
  ['surplus-fee', 'surplus'],
  ['surplus-fee', 'variant-fee-exactly-min'],
  ['rbf-and-chains', 'u1'],
  ['rbf-and-chains', 'replacement-same-feerate'],
  ['rbf-and-chains', 'replacement-higher-fee'],
  ['rbf-and-chains', 'replacement-of-parent-with-child'],
  ['rbf-and-chains', 'u2-chained'],
  ['expiry', 'update'],
  ['rejections', 'base-valid-not-broadcast'],
];

describe('rebuilding Namecoin Core’s name_updates', () => {
  for (const [scenario, label] of CORE_BUILT) {
    test(`${scenario}/${label}`, () => {
      const r = recorded(scenario, label);
      const core = decodeNameTransaction(r.hex, regtest);
      const nameOut = core.outputs[core.nameOutputIndex!]!;
      const op = nameOut.nameOp!;
      expect(op.op).toBe('name_update');
      if (op.op !== 'name_update') return;
      const coins: Coin[] = r.prev.inputs.map((i) => ({ txid: i.txid, vout: i.vout, value: i.value_sat, script: hexToBytes(i.script_hex) }));
      const nameCoinIndex = coins.findIndex((c) => c.script[0] === 0x52 || c.script[0] === 0x53);
      expect(nameCoinIndex).toBe(0); // Core kept the name coin first
      const key = keyFor(nameOut.addressScript);
      const totalIn = coins.reduce((s, c) => s + c.value, 0);
      const coreFee = totalIn - core.outputs.reduce((s, o) => s + o.value, 0);
      const rate = coreFee / core.vsize; // Core used a whole sat/vB rate over its vsize estimate
      expect(Number.isInteger(rate)).toBe(true);
      const built = buildNameUpdate({
        key,
        name: op.name,
        value: op.value,
        nameCoin: coins[0]!,
        feeCoins: coins.slice(1),
        fee: { feeRate: rate, maxFee: 10_000_000, maxFeeRate: 5000 },
        // Core's surplus tx kept nothing back as change; the default does the same without fee coins.
      });
      expect(built.hex).toBe(r.hex);
      expect(built.txid).toBe(core.txid);
      expect(built.fee).toBe(coreFee);
      expect(built.vsize).toBe(core.vsize);
      expect(built.spent).toEqual(coins.map((c) => ({ txid: c.txid, vout: c.vout })));
      expect(verifyAllInputs(built.hex, coins)).toMatchObject({ ok: true });
      // Re-parse ours: same name, value and owner as the recorded one.
      const mine = decodeNameTransaction(built.hex, regtest);
      const mineOut = mine.outputs[built.nameOutputIndex]!;
      expect(mineOut.nameOp).toEqual(op);
      expect(mineOut.address).toBe(nameOut.address);
      expect(mine.version).toBe(0x7100);
      expect(mine.locktime).toBe(0);
      expect(mine.inputs.every((i) => i.sequence === 0xfffffffd)).toBe(true);
    });
  }
});
