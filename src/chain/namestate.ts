// The state of one name as seen through one Electrum server: the name coin at the hot address,
// the latest confirmed update, expiry, a pending update, the fee coins and the fee rate.
//
// ElectrumX indexes a name output twice: under the owner's plain script (prefix stripped), where
// listunspent lists it unmarked and unconfirmed updates appear at once; and under the name
// index script, which holds confirmed history only (reference electrum-nmc.md §2.1–2.3). So:
//   owner listunspent  → every coin at the hot address; each funding tx is fetched and decoded
//                        here to tell name coins from plain ones (never spend a name coin as fee)
//   name index history → the latest confirmed update, re-checked by decoding the tx
//   tip height         → expiresIn; ElectrumX knows nothing about expiry (fixtures expiry/)
// Nothing a server says is taken on its word where it can be checked: every transaction must hash
// to the txid asked for, every listed coin must exist in it with the listed value and script.
import { equalBytes } from '../sign/bytes.ts';
import { decodeNameTransaction, type DecodedNameTransaction } from '../sign/tx-decode.ts';
import { nameIndexScript } from '../sign/namescript.ts';
import type { NamecoinNetwork } from '../sign/network.ts';
import { electrumScripthash } from '../sign/scripthash.ts';
import { scriptToAddress } from '../sign/keys.ts';
import type { Coin } from '../sign/update.ts';
import { ChainError } from './errors.ts';
import type { ElectrumClient, UnspentOutput } from './electrum.ts';

/** The name's coin at the hot address, ready to be spent by the signer. */
export interface NameCoin extends Coin {
  /** Block height; 0 or -1 while the transaction that made it is in the mempool. */
  height: number;
  name: string;
  /** The name's value (UTF-8 text) that this coin carries. */
  nameValue: string;
  op: 'name_firstupdate' | 'name_update';
}

export interface ConfirmedUpdate {
  txid: string;
  vout: number;
  height: number;
  /** The value written (UTF-8 text). */
  value: string;
  /** Owner address of the name output, or null for a script without an address form. */
  address: string | null;
}

export interface PendingUpdate {
  txid: string;
  /** The value the pending transaction writes. */
  value: string;
  /** Satoshis, computed from the inputs' funding transactions (not the server's `fee`). */
  fee: number;
  vsize: number;
  /** sat/vB */
  feeRate: number;
  /**
   * The coins the pending transaction spends, for a replacement (RBF): listunspent no longer
   * shows them while it is in the mempool. `nameInput` is the name coin it spends (confirmed,
   * or the output of an earlier pending update); `feeInputs` its plain inputs at the hot address.
   */
  nameInput: Coin | null;
  feeInputs: Coin[];
}

/** A plain coin at the hot address (never a name coin). */
export interface FeeCoin extends Coin {
  /** 0 while unconfirmed: spending it chains onto a mempool transaction. */
  height: number;
}

export interface NameState {
  /** Canonical URL of the server this was read from. */
  server: string;
  tipHeight: number;
  nameCoin: NameCoin | null;
  confirmed: ConfirmedUpdate | null;
  /** confirmed.height + expiration depth − tip (Namecoin Core's `expires_in`); null without a confirmed update. */
  expiresIn: number | null;
  /** Core's meaning: expiresIn ≤ 0. An update needs expiresIn ≥ 2 to be mined in time. */
  expired: boolean;
  pending: PendingUpdate | null;
  feeCoins: FeeCoin[];
  /** sat/vB to pay: the server's estimate, floored at the relay fee and the network minimum. */
  feeRate: number;
  /** sat/vB: the server's relay floor (relayfee, or mempool.get_info at 1.6). */
  relayFeeRate: number;
  /** sat/vB from estimatefee, or null when the server has no estimate. */
  estimatedFeeRate: number | null;
}

export interface NameStateQuery {
  /** The name, e.g. `dd/example`. */
  name: string;
  /** The hot key's output script (P2WPKH or P2PKH), without a name prefix. */
  hotScript: Uint8Array;
  network: NamecoinNetwork;
  /** estimatefee target in blocks; default 5 (Electrum-NMC's default). */
  feeTargetBlocks?: number;
  /** Most funding transactions fetched for one lookup (a hostile listunspent cannot make us fetch thousands). */
  maxFundingTxs?: number;
}

export const DEFAULT_FEE_TARGET_BLOCKS = 5;
export const DEFAULT_MAX_FUNDING_TXS = 64;
/** Newest name-index entries examined before giving up (a reorg artefact or a lie, then an honest one). */
const MAX_INDEX_CANDIDATES = 8;

/** NMC per kB (Electrum's unit) → sat/vB, to 0.001 sat/vB. */
export function nmcPerKbToSatPerVb(nmcPerKb: number): number {
  return Math.round(nmcPerKb * 1e8) / 1000;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Fetches, checks and caches transactions for one lookup. */
class TxFetcher {
  private readonly cache = new Map<string, Promise<DecodedNameTransaction>>();
  constructor(private readonly client: ElectrumClient, private readonly network: NamecoinNetwork) {}

  get(txid: string): Promise<DecodedNameTransaction> {
    let p = this.cache.get(txid);
    if (!p) {
      p = this.client.getTransaction(txid).then((hex) => {
        let tx: DecodedNameTransaction;
        try {
          tx = decodeNameTransaction(hex, this.network);
        } catch (e) {
          throw new ChainError('bad-reply', `${this.client.server.url}: transaction ${txid} does not decode: ${(e as Error).message}`, this.client.server.url);
        }
        if (tx.txid !== txid) {
          throw new ChainError('bad-reply', `${this.client.server.url}: asked for transaction ${txid}, got ${tx.txid}`, this.client.server.url);
        }
        return tx;
      });
      this.cache.set(txid, p);
    }
    return p;
  }
}

function nameOf(tx: DecodedNameTransaction, vout: number): { name: Uint8Array; value: Uint8Array; op: 'name_firstupdate' | 'name_update' } | null {
  const op = tx.outputs[vout]?.nameOp;
  if (!op || op.op === 'name_new') return null;
  return { name: op.name, value: op.value, op: op.op };
}

/** Look the name up on one server. Throws ChainError for a name that is absent or not at the hot address. */
export async function lookupNameState(client: ElectrumClient, query: NameStateQuery): Promise<NameState> {
  const { network, hotScript } = query;
  const server = client.server.url;
  const nameBytes = new TextEncoder().encode(query.name);
  const ownerSh = electrumScripthash(hotScript);
  const indexSh = electrumScripthash(nameIndexScript(nameBytes));
  const txs = new TxFetcher(client, network);
  const hotAddress = scriptToAddress(hotScript, network) ?? 'the hot script';

  // Everything independent goes out at once (pipelined on the one session).
  const [tip, unspent, indexHistory, estimate, relay] = await Promise.all([
    client.tip(),
    client.listUnspent(ownerSh),
    client.getHistory(indexSh),
    client.estimateFee(query.feeTargetBlocks ?? DEFAULT_FEE_TARGET_BLOCKS),
    client.relayFee(),
  ]);

  // Both need transactions; fetch them in one round trip (the newest index entry is the likely
  // name coin, so it is the priority hint when the coin list must be cut).
  const newestIndexed = indexHistory.filter((h) => h.height > 0).sort((a, b) => b.height - a.height)[0]?.txid;
  const [latest, classified] = await Promise.all([
    latestConfirmedUpdate(indexHistory, nameBytes, txs, server),
    classifyCoins(unspent, nameBytes, hotScript, txs, newestIndexed, query.maxFundingTxs ?? DEFAULT_MAX_FUNDING_TXS, server),
  ]);

  // The newest coin of this name at the hot address (mempool counts as newest).
  const rank = (h: number): number => (h <= 0 ? Number.MAX_SAFE_INTEGER : h);
  const nameCoin = classified.nameCoins.sort((a, b) => rank(b.height) - rank(a.height))[0] ?? null;

  const confirmed: ConfirmedUpdate | null = latest
    ? { txid: latest.txid, vout: latest.vout, height: latest.height, value: utf8.decode(latest.value), address: scriptToAddress(latest.address, network) }
    : null;

  if (!confirmed && !nameCoin) {
    throw new ChainError('name-not-found', `${query.name} does not exist: ${server} has no registration of it in its name index`, server);
  }
  if (!nameCoin) {
    const where = confirmed!.address ?? 'a script without an address';
    if (!equalBytes(latest!.address, hotScript)) {
      throw new ChainError('name-not-owned', `${query.name} is not owned by this key: it sits at ${where}, the hot address is ${hotAddress}`, server);
    }
    throw new ChainError(
      'name-not-owned',
      `${query.name}: its latest update ${confirmed!.txid}:${confirmed!.vout} pays ${hotAddress}, but ${server} does not list that coin as unspent there ` +
        `(spent by a transaction to another address, or the server hides it)`,
      server,
    );
  }
  if (confirmed && nameCoin.height > 0 && (nameCoin.txid !== confirmed.txid || nameCoin.vout !== confirmed.vout)) {
    // A confirmed coin must be the latest confirmed update; anything else is a server whose
    // two indexes contradict each other (or a name that moved away and a stale listing).
    if (nameCoin.height < confirmed.height && !equalBytes(latest!.address, hotScript)) {
      throw new ChainError('name-not-owned', `${query.name} is not owned by this key: it sits at ${confirmed.address ?? 'another script'} since height ${confirmed.height}`, server);
    }
    throw new ChainError(
      'bad-reply',
      `${server} contradicts itself about ${query.name}: listunspent shows the name coin ${nameCoin.txid}:${nameCoin.vout} (height ${nameCoin.height}), ` +
        `its name index says the latest update is ${confirmed.txid}:${confirmed.vout} (height ${confirmed.height})`,
      server,
    );
  }

  const pending = nameCoin.height <= 0 ? await pendingUpdate(await txs.get(nameCoin.txid), nameCoin.nameValue, nameBytes, hotScript, txs, server) : null;

  const expiresIn = confirmed ? confirmed.height + network.nameExpirationDepth - tip.height : null;
  const relayFeeRate = nmcPerKbToSatPerVb(relay);
  const estimatedFeeRate = estimate > 0 ? nmcPerKbToSatPerVb(estimate) : null;
  return {
    server,
    tipHeight: tip.height,
    nameCoin,
    confirmed,
    expiresIn,
    expired: expiresIn !== null && expiresIn <= 0,
    pending,
    feeCoins: classified.feeCoins,
    feeRate: Math.max(estimatedFeeRate ?? 0, relayFeeRate, network.minRelayFeeRate),
    relayFeeRate,
    estimatedFeeRate,
  };
}

interface IndexedUpdate {
  txid: string;
  vout: number;
  height: number;
  value: Uint8Array;
  address: Uint8Array;
}

/**
 * The newest confirmed update in the name-index history. Entries are re-checked: the tx must
 * carry a name operation for this very name (reorgs may leave stale rows, reference §2.3).
 * Several updates can share a block (fixtures: two at height 170); the newest is the one whose
 * name output no other update of that block spends.
 */
async function latestConfirmedUpdate(
  history: { txid: string; height: number }[],
  name: Uint8Array,
  txs: TxFetcher,
  server: string,
): Promise<IndexedUpdate | null> {
  const confirmed = history.filter((h) => h.height > 0).sort((a, b) => b.height - a.height);
  let examined = 0;
  while (confirmed.length > 0 && examined < MAX_INDEX_CANDIDATES) {
    const height = confirmed[0]!.height;
    const sameBlock = confirmed.filter((h) => h.height === height).slice(0, MAX_INDEX_CANDIDATES - examined);
    confirmed.splice(0, confirmed.filter((h) => h.height === height).length);
    examined += sameBlock.length;
    const found: IndexedUpdate[] = [];
    const decoded = await Promise.all(sameBlock.map((h) => txs.get(h.txid)));
    decoded.forEach((tx) => {
      tx.outputs.forEach((o) => {
        const n = nameOf(tx, o.vout);
        if (n && equalBytes(n.name, name)) found.push({ txid: tx.txid, vout: o.vout, height, value: n.value, address: o.addressScript });
      });
    });
    if (found.length === 0) continue; // stale or bogus rows: look further back
    if (found.length === 1) return found[0]!;
    const spent = new Set(decoded.flatMap((tx) => tx.inputs.map((i) => `${i.txid}:${i.vout}`)));
    const tips = found.filter((f) => !spent.has(`${f.txid}:${f.vout}`));
    if (tips.length !== 1) {
      throw new ChainError('bad-reply', `${server}: ${tips.length} competing updates of the name at height ${height}; cannot tell the newest`, server);
    }
    return tips[0]!;
  }
  return null;
}

async function classifyCoins(
  unspent: UnspentOutput[],
  name: Uint8Array,
  hotScript: Uint8Array,
  txs: TxFetcher,
  latestTxid: string | undefined,
  maxFundingTxs: number,
  server: string,
): Promise<{ nameCoins: NameCoin[]; feeCoins: FeeCoin[] }> {
  // Which funding transactions to fetch when there are too many: the mempool ones and the
  // latest update first (that is where the name coin is), then the biggest coins. Coins whose
  // transaction was not fetched are simply not used: nothing unverified is ever spent.
  const byTx = new Map<string, UnspentOutput[]>();
  for (const u of unspent) byTx.set(u.txid, [...(byTx.get(u.txid) ?? []), u]);
  const priority = (txid: string): number => {
    const us = byTx.get(txid)!;
    if (txid === latestTxid || us.some((u) => u.height <= 0)) return Number.MAX_SAFE_INTEGER;
    return Math.max(...us.map((u) => u.value));
  };
  const chosen = [...byTx.keys()].sort((a, b) => priority(b) - priority(a)).slice(0, maxFundingTxs);
  const decoded = await Promise.all(chosen.map((t) => txs.get(t)));

  const nameCoins: NameCoin[] = [];
  const feeCoins: FeeCoin[] = [];
  decoded.forEach((tx) => {
    for (const u of byTx.get(tx.txid)!) {
      const out = tx.outputs[u.vout];
      if (!out) throw new ChainError('bad-reply', `${server}: listunspent lists ${u.txid}:${u.vout}, but that transaction has no output ${u.vout}`, server);
      if (out.value !== u.value) {
        throw new ChainError('bad-reply', `${server}: listunspent says ${u.txid}:${u.vout} holds ${u.value} sat, the transaction says ${out.value}`, server);
      }
      if (!equalBytes(out.addressScript, hotScript)) {
        throw new ChainError('bad-reply', `${server}: listunspent for the hot address lists ${u.txid}:${u.vout}, which pays another script`, server);
      }
      const coin: Coin = { txid: u.txid, vout: u.vout, value: out.value, script: out.script };
      if (out.nameOp === null) {
        feeCoins.push({ ...coin, height: u.height });
        continue;
      }
      // Every name coin is kept out of the fee coins, including other names' and name_new ones.
      const n = nameOf(tx, u.vout);
      if (n && equalBytes(n.name, name)) {
        nameCoins.push({ ...coin, height: u.height, name: utf8.decode(n.name), nameValue: utf8.decode(n.value), op: n.op });
      }
    }
  });
  feeCoins.sort((a, b) => b.value - a.value || a.txid.localeCompare(b.txid) || a.vout - b.vout);
  return { nameCoins, feeCoins };
}

/** The pending update that created the mempool name coin; its fee from its inputs' funding txs. */
async function pendingUpdate(
  tx: DecodedNameTransaction,
  value: string,
  name: Uint8Array,
  hotScript: Uint8Array,
  txs: TxFetcher,
  server: string,
): Promise<PendingUpdate> {
  const prevs = await Promise.all(tx.inputs.map((i) => txs.get(i.txid)));
  let inputs = 0;
  let nameInput: Coin | null = null;
  const feeInputs: Coin[] = [];
  tx.inputs.forEach((i, k) => {
    const prevOut = prevs[k]!.outputs[i.vout];
    if (!prevOut) throw new ChainError('bad-reply', `${server}: the pending update ${tx.txid} spends ${i.txid}:${i.vout}, which does not exist`, server);
    inputs += prevOut.value;
    const coin: Coin = { txid: i.txid, vout: i.vout, value: prevOut.value, script: prevOut.script };
    const n = nameOf(prevs[k]!, i.vout);
    if (n && equalBytes(n.name, name)) nameInput = coin;
    else if (prevOut.nameOp === null && equalBytes(prevOut.addressScript, hotScript)) feeInputs.push(coin);
  });
  const outputs = tx.outputs.reduce((s, o) => s + o.value, 0);
  const fee = inputs - outputs;
  if (fee < 0) throw new ChainError('bad-reply', `${server}: the pending update ${tx.txid} creates more than its inputs hold (fee ${fee} sat)`, server);
  return { txid: tx.txid, value, fee, vsize: tx.vsize, feeRate: Math.round((fee / tx.vsize) * 1000) / 1000, nameInput, feeInputs };
}

/**
 * Refuse to update a name that cannot be updated any more. An update must be mined by block
 * updateHeight + depth − 1: at expiresIn 1 the coin has already left Core's UTXO set
 * (fixtures expiry/: broadcasts then fail with bad-txns-inputs-missingorspent).
 */
export function assertUpdatable(state: NameState, name: string): void {
  if (state.confirmed === null || state.expiresIn === null) return; // only a pending registration: nothing to judge
  const expiryHeight = state.tipHeight + state.expiresIn; // = update height + expiration depth
  if (state.expiresIn <= 0) {
    throw new ChainError('name-expired', `${name} expired at height ${expiryHeight} (last update at ${state.confirmed.height}, tip ${state.tipHeight}): register it again`, state.server);
  }
  if (state.expiresIn === 1) {
    throw new ChainError('name-expired', `${name} expires at height ${expiryHeight}, the next block: an update can no longer be mined in time; register it again once it has expired`, state.server);
  }
}
