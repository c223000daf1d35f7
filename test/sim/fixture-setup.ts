// The recording's setup (regtest/setup.json) replayed on a SimChain with fresh transactions:
// dd/alpha … dd/echo registered to the fixture keys (name_new at tip+1, name_firstupdate at
// tip+13, dd/charlie with 0.05 NMC), then the eleven 1 NMC fee coins in one block. From the default
// start height 150 this gives the recorded heights (151, 163, 164); txids differ from the
// recording (use recorded.ts's recordedChain for the recorded transactions themselves).
import { readFixtureJson } from '../helpers/fixtures.ts';
import type { Outpoint, SimChain } from './chain.ts';

interface KeyRow {
  label: string;
  wif_regtest: string;
  p2pkh: { address: string; script_hex: string; scripthash: string };
  p2wpkh: { address: string; script_hex: string; scripthash: string };
}

export interface FixtureSetup {
  names: Record<string, Outpoint & { owner: string; ownerScriptHex: string }>;
  feeCoins: Record<'k1w' | 'k2l' | 'k2w' | 'k3w', Outpoint[]>;
}

const script = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

export function fixtureSetup(chain: SimChain): FixtureSetup {
  const keys = readFixtureJson<KeyRow[]>('keys.json');
  const k = (label: string): KeyRow => keys.find((r) => r.label === label)!;
  const setup = readFixtureJson<{ registrations: Record<string, { owner: string; locked_nmc: string; name_show: { value: string } }> }>('regtest', 'setup.json');
  const ownerScript = (owner: string): string => {
    const [label, kind] = owner.split(' ') as [string, 'p2pkh' | 'p2wpkh'];
    return k(label)[kind].script_hex;
  };
  const entries = Object.entries(setup.registrations);
  const coins = chain.registerNames(
    entries.map(([name, r]) => ({
      name,
      value: r.name_show.value,
      ownerScript: script(ownerScript(r.owner)),
      amountSat: Math.round(Number(r.locked_nmc) * 1e8),
    })),
  );
  const names: FixtureSetup['names'] = {};
  entries.forEach(([name, r], i) => {
    names[name] = { ...coins[i]!, owner: r.owner, ownerScriptHex: ownerScript(r.owner) };
  });
  const fund = (hex: string, n: number): Outpoint[] => Array.from({ length: n }, () => chain.fund(script(hex), 100_000_000));
  const feeCoins = {
    k1w: fund(k('key1').p2wpkh.script_hex, 4),
    k2l: fund(k('key2').p2pkh.script_hex, 2),
    k2w: fund(k('key2').p2wpkh.script_hex, 2),
    k3w: fund(k('key3').p2wpkh.script_hex, 3),
  };
  chain.mine();
  return { names, feeCoins };
}
