// A loopback Electrum server that answers from what the fixtures recorded of ElectrumX 1.20.0:
// listunspent/get_history exactly as recorded at one moment of a scenario, and every raw
// transaction the fixtures contain (the *.hex files and the prev_tx_hex of *.prevtxs.json).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNameTransaction } from '../../src/sign/tx-decode.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { electrumHandler, startLineServer, type LineServer } from './loopback.ts';

let cached: Map<string, string> | undefined;

/** txid → raw hex of every transaction in fixtures/regtest. */
export function recordedTransactions(): Map<string, string> {
  if (cached) return cached;
  const idx = new Map<string, string>();
  const add = (hex: string): void => {
    idx.set(decodeNameTransaction(hex, getNetwork('regtest')).txid, hex);
  };
  const root = fixturePath('regtest');
  for (const dir of readdirSync(root)) {
    const p = join(root, dir);
    if (!statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p)) {
      if (f.endsWith('.hex')) add(readFileSync(join(p, f), 'utf8').trim());
      if (f.endsWith('.prevtxs.json')) {
        const j = JSON.parse(readFileSync(join(p, f), 'utf8')) as { inputs?: { prev_tx_hex?: string }[] };
        for (const i of j.inputs ?? []) if (i.prev_tx_hex) add(i.prev_tx_hex);
      }
    }
  }
  cached = idx;
  return idx;
}

export interface RecordedView {
  tip: number;
  /** scripthash → recorded listunspent result. */
  listunspent: Record<string, unknown[]>;
  /** scripthash → recorded get_history result. */
  history: Record<string, unknown[]>;
  estimateFee?: number;
  relayFee?: number;
  /** Replace a transaction's hex (to make a lying server). */
  txOverride?: (txid: string) => string | undefined;
}

export async function startRecordedServer(view: RecordedView): Promise<LineServer> {
  const txs = recordedTransactions();
  return startLineServer({
    onLine: electrumHandler({
      'blockchain.headers.subscribe': () => ({ height: view.tip, hex: '00'.repeat(80) }),
      'blockchain.scripthash.listunspent': ([sh]) => view.listunspent[sh as string] ?? [],
      'blockchain.scripthash.get_history': ([sh]) => view.history[sh as string] ?? [],
      'blockchain.transaction.get': ([txid]) => {
        const hex = view.txOverride?.(txid as string) ?? txs.get(txid as string);
        if (!hex) throw new Error(`daemon error: no such transaction ${String(txid)}`);
        return hex;
      },
      'blockchain.estimatefee': () => view.estimateFee ?? 0.001,
      'blockchain.relayfee': () => view.relayFee ?? 0.001,
    }),
  });
}
