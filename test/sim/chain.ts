// SimChain: an in-memory Namecoin regtest chain with the two views the recordings show —
// namecoind's (UTXO set without expired name coins, mempool policy, name database) and
// ElectrumX's (history/UTXO indexes by scripthash, name prefix stripped, plus the confirmed-only
// name index; it never learns about expiry). Several simulated servers may share one chain.
import { Transaction } from 'bitcoinjs-lib';
import { randomBytes } from 'node:crypto';
import { hash160 } from '../../src/sign/keys.ts';
import {
  buildNameFirstUpdateScript,
  buildNameNewScript,
  buildNameUpdateScript,
  nameIndexScript,
  parseNameScript,
} from '../../src/sign/namescript.ts';
import { electrumScripthash } from '../../src/sign/scripthash.ts';
import { verifyAllInputs } from '../helpers/interpreter.ts';
import { BroadcastRejection, type ChainBackend, type HistoryRow, type UtxoRow } from './backend.ts';
import { GENESIS_COINBASE_HEX, MINER_SCRIPT, basicHeader, makeCoinbase, makeHeader } from './blocks.ts';
import { dsha256, merkleRoot } from './merkle.ts';
import {
  COINBASE_MATURITY,
  INCREMENTAL_RELAY_FEE_PER_KVB,
  MAX_FEE_RATE_PER_KVB,
  MIN_RELAY_FEE_PER_KVB,
  NAMECOIN_TX_VERSION,
  Reject,
  checkNameTransaction,
  dustThreshold,
  feeForVsize,
  formatMoney,
  hasValidOps,
  isStandardOutputType,
  isUnspendable,
  scriptErrorString,
} from './policy.ts';
import { txToJson } from './verbose.ts';

/** Regtest NAME_EXPIRATION (ElectrumX NamecoinRegtest, Core regtest consensus). */
export const NAME_EXPIRATION = 30;
/** Time of block 1; block h has time BLOCK_TIME_BASE + h (deterministic, strictly increasing). */
const BLOCK_TIME_BASE = 1_796_290_000;
const GENESIS_TIME = 1_296_688_602;
const FAUCET_FEE = 20_000;

const displayHex = (b: Uint8Array): string => Buffer.from(b).reverse().toString('hex');
const fromDisplay = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex').reverse());
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const key = (txid: string, vout: number): string => `${txid}:${vout}`;
const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

export interface Outpoint {
  txid: string;
  vout: number;
}

export interface NameState {
  name: string;
  value: string;
  /** Height of the last name_firstupdate / name_update. */
  height: number;
  /** height + 30 − tip, as namecoind's name_show reports it. */
  expiresIn: number;
  expired: boolean;
  txid: string;
  vout: number;
  /** The full name output script (prefix + owner script). */
  script: Uint8Array;
  /** The owner's plain script (prefix stripped). */
  ownerScript: Uint8Array;
  value_sat: number;
}

interface Block {
  height: number;
  header: Uint8Array;
  hash: Uint8Array;
  time: number;
  txids: string[];
}

interface StoredTx {
  txid: string;
  hex: string;
  tx: Transaction;
  height: number;
  /** Global order of confirmed txs (ElectrumX tx_num). */
  txNum: number;
}

interface Coin {
  txid: string;
  vout: number;
  value: number;
  script: Uint8Array;
  height: number;
  coinbase: boolean;
  /** Owner scripthash (name prefix stripped). */
  sh: string;
  txNum: number;
}

interface MempoolEntry {
  txid: string;
  wtxid: string;
  hex: string;
  tx: Transaction;
  fee: number;
  vsize: number;
  spends: string[];
  /** Mempool txs whose outputs this one spends. */
  parents: Set<string>;
  inPairs: { sh: string; value: number }[];
  outPairs: { sh: string; value: number }[];
  touched: Set<string>;
}

interface NameRecord {
  value: Uint8Array;
  height: number;
  txid: string;
  vout: number;
  script: Uint8Array;
}

export interface RegisterRequest {
  name: string;
  value: string;
  ownerScript: Uint8Array;
  amountSat?: number;
}

export interface TestAcceptResult {
  txid: string;
  wtxid: string;
  allowed: boolean;
  vsize?: number;
  fees?: { base: number };
  'reject-reason'?: string;
  'reject-details'?: string;
}

export interface SimChainOptions {
  /** Tip height after creation (blocks with only a coinbase). Default 150, as the recording. */
  startHeight?: number;
  /** Check signatures with bitcore (default true). */
  verifySignatures?: boolean;
  /** namecoind's minrelaytxfee in sat per 1000 vB (default 100,000 = 0.001 NMC/kvB, as recorded). */
  minRelayFeePerKvB?: number;
}

type Listener = (ev: { heightChanged: boolean; touched: Set<string> }) => void;

export class SimChain implements ChainBackend {
  private blocks: Block[] = [];
  private txs = new Map<string, StoredTx>();
  private utxos = new Map<string, Coin>();
  private utxosBySh = new Map<string, Set<string>>();
  private history = new Map<string, HistoryRow[]>();
  private pool = new Map<string, MempoolEntry>();
  private poolSpends = new Map<string, string>();
  private names = new Map<string, NameRecord>();
  private listeners = new Set<Listener>();
  private txCounter = 0;
  readonly verifySignatures: boolean;
  readonly minRelayFeePerKvB: number;
  /** Every block's transactions as mined (hex), for fork(). */
  private blockHexes: string[][] = [];

  constructor(opts: SimChainOptions = {}) {
    this.verifySignatures = opts.verifySignatures ?? true;
    this.minRelayFeePerKvB = opts.minRelayFeePerKvB ?? MIN_RELAY_FEE_PER_KVB;
    this.connectGenesis();
    const start = opts.startHeight ?? 150;
    for (let h = 1; h <= start; h++) this.connect([], false);
  }

  // ---------------------------------------------------------------- queries (ChainBackend)

  get tipHeight(): number {
    return this.blocks.length - 1;
  }

  header(height: number): Uint8Array | null {
    return this.blocks[height]?.header ?? null;
  }

  blockHash(height: number): Uint8Array | null {
    return this.blocks[height]?.hash ?? null;
  }

  /** Block hash in display hex. */
  blockHashHex(height: number): string | null {
    const h = this.blockHash(height);
    return h ? displayHex(h) : null;
  }

  blockTxids(height: number): string[] | null {
    return this.blocks[height]?.txids ?? null;
  }

  confirmedHistory(sh: string): HistoryRow[] {
    return [...(this.history.get(sh) ?? [])];
  }

  mempoolHistory(sh: string): HistoryRow[] {
    const rows: HistoryRow[] = [];
    for (const e of this.pool.values()) {
      if (e.touched.has(sh)) rows.push({ txid: e.txid, height: e.parents.size > 0 ? -1 : 0, fee: e.fee });
    }
    return rows;
  }

  listUnspent(sh: string): UtxoRow[] {
    const conf = [...(this.utxosBySh.get(sh) ?? [])]
      .map((k) => this.utxos.get(k)!)
      .sort((a, b) => a.txNum - b.txNum || a.vout - b.vout)
      .map((c) => ({ txid: c.txid, vout: c.vout, height: c.height, value: c.value }));
    const mem: UtxoRow[] = [];
    for (const e of this.pool.values()) {
      e.tx.outs.forEach((o, vout) => {
        if (e.outPairs[vout]!.sh === sh) mem.push({ txid: e.txid, vout, height: 0, value: Number(o.value) });
      });
    }
    return [...conf, ...mem].filter((u) => !this.poolSpends.has(key(u.txid, u.vout)));
  }

  balance(sh: string): { confirmed: number; unconfirmed: number } {
    let confirmed = 0;
    for (const k of this.utxosBySh.get(sh) ?? []) confirmed += this.utxos.get(k)!.value;
    let unconfirmed = 0;
    for (const e of this.pool.values()) {
      for (const p of e.outPairs) if (p.sh === sh) unconfirmed += p.value;
      for (const p of e.inPairs) if (p.sh === sh) unconfirmed -= p.value;
    }
    return { confirmed, unconfirmed };
  }

  rawTx(txid: string): string | null {
    return this.pool.get(txid)?.hex ?? this.txs.get(txid)?.hex ?? null;
  }

  /** Whether a tx is in the mempool. */
  inMempool(txid: string): boolean {
    return this.pool.has(txid);
  }

  /** Height a tx was mined at, 0 if in the mempool, null if unknown. */
  txHeight(txid: string): number | null {
    if (this.pool.has(txid)) return 0;
    return this.txs.get(txid)?.height ?? null;
  }

  /** The mempool: txids in arrival order, with fee and vsize. */
  get mempool(): { txid: string; fee: number; vsize: number; hex: string }[] {
    return [...this.pool.values()].map((e) => ({ txid: e.txid, fee: e.fee, vsize: e.vsize, hex: e.hex }));
  }

  verboseTx(txid: string): Record<string, unknown> | null {
    const e = this.pool.get(txid);
    if (e) return txToJson(e.tx, { rawHex: e.hex });
    const s = this.txs.get(txid);
    if (!s) return null;
    const b = this.blocks[s.height]!;
    return txToJson(s.tx, {
      rawHex: s.hex,
      block: { blockhash: displayHex(b.hash), confirmations: this.tipHeight - s.height + 1, time: b.time },
    });
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** namecoind name_show (confirmed state; also returns expired names, with expired = true). */
  nameState(name: string): NameState | null {
    const r = this.names.get(hexOf(enc(name)));
    if (!r) return null;
    const expiresIn = r.height + NAME_EXPIRATION - this.tipHeight;
    const coin = this.utxos.get(key(r.txid, r.vout));
    const ns = parseNameScript(r.script);
    return {
      name,
      value: Buffer.from(r.value).toString('utf8'),
      height: r.height,
      expiresIn,
      expired: expiresIn <= 0,
      txid: r.txid,
      vout: r.vout,
      script: r.script,
      ownerScript: ns?.address ?? r.script,
      value_sat: coin?.value ?? Number(this.txs.get(r.txid)?.tx.outs[r.vout]?.value ?? 0),
    };
  }

  /** ElectrumX's name-index scripthash of a name. */
  static nameScripthash(name: string): string {
    return electrumScripthash(nameIndexScript(enc(name)));
  }

  /** ElectrumX's owner scripthash of an output script (name prefix stripped). */
  static ownerScripthash(script: Uint8Array): string {
    return electrumScripthash(parseNameScript(script)?.address ?? script);
  }

  /** Is this outpoint spendable for namecoind right now (unspent, not an expired name coin)? */
  isSpendable(txid: string, vout: number): boolean {
    const c = this.utxos.get(key(txid, vout));
    return c !== undefined && this.nodeHasCoin(c);
  }

  // ---------------------------------------------------------------- mining

  /** Mine n blocks; the first takes every mempool transaction (in arrival order). */
  mine(n = 1, opts: { time?: number } = {}): string[] {
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const txs = [...this.pool.values()].map((e) => e.tx);
      this.connect(txs, true, undefined, i === 0 ? opts.time : undefined);
      hashes.push(this.blockHashHex(this.tipHeight)!);
    }
    return hashes;
  }

  /**
   * generateblock: mine one block with exactly these transactions, without mempool policy
   * (a miner may include what the mempool refuses, e.g. a non-standard spend). Mempool txs that
   * conflict are dropped; other mempool txs stay.
   */
  mineRaw(hexes: string[], opts: { time?: number } = {}): string {
    const txs = hexes.map((h) => Transaction.fromHex(h));
    this.connect(txs, true, undefined, opts.time);
    return this.blockHashHex(this.tipHeight)!;
  }

  /** A fee coin for `script` from the miner's coins; it waits in the mempool until mine(). */
  fund(script: Uint8Array, valueSat: number, opts: { confirm?: boolean } = {}): Outpoint {
    if (!Number.isSafeInteger(valueSat) || valueSat <= 0) throw new Error(`fund: value must be a positive number of satoshis, not ${valueSat}`);
    const tx = this.faucetTx([{ script, value: valueSat }]);
    this.trustedAdd(tx);
    if (opts.confirm) this.mine();
    return { txid: tx.getId(), vout: 0 };
  }

  /**
   * Register names as the recording did: name_new (mined), 11 more blocks, name_firstupdate to
   * the owner (mined): 13 blocks in all, whatever else is in the mempool confirms with them.
   */
  registerNames(reqs: RegisterRequest[]): Outpoint[] {
    for (const r of reqs) {
      const st = this.nameState(r.name);
      if (st && !st.expired) {
        throw new Error(`registerName: ${r.name} is registered and expires in ${st.expiresIn} blocks; update it, or mine until it expires`);
      }
      if ((r.amountSat ?? 1_000_000) < 1_000_000) throw new Error(`registerName: ${r.name} needs at least 1000000 sat (0.01 NMC) in its name output`);
    }
    const pending = reqs.map((r) => {
      const rand = Uint8Array.from(randomBytes(20));
      const name = enc(r.name);
      const amount = r.amountSat ?? 1_000_000;
      const newTx = this.faucetTx([{ script: buildNameNewScript(hash160(new Uint8Array([...rand, ...name])), MINER_SCRIPT), value: amount + FAUCET_FEE }]);
      newTx.version = NAMECOIN_TX_VERSION;
      this.trustedAdd(newTx);
      return { r, rand, name, amount, newTx };
    });
    this.mine(12);
    const results = pending.map(({ r, rand, name, amount, newTx }) => {
      const tx = new Transaction();
      tx.version = NAMECOIN_TX_VERSION;
      tx.addInput(newTx.getHash(), 0, 0xfffffffd);
      tx.addOutput(buildNameFirstUpdateScript(name, rand, enc(r.value), r.ownerScript), BigInt(amount));
      this.trustedAdd(tx);
      return { txid: tx.getId(), vout: 0 };
    });
    this.mine(1);
    return results;
  }

  registerName(name: string, value: string, ownerScript: Uint8Array, amountSat = 1_000_000): Outpoint {
    return this.registerNames([{ name, value, ownerScript, amountSat }])[0]!;
  }

  /**
   * A miner-made name_update of `name` (no signature: only for forks that lie, or to move a
   * name away). Mined at once; returns the new name coin.
   */
  forceNameUpdate(name: string, value: string, opts: { ownerScript?: Uint8Array } = {}): Outpoint {
    const st = this.nameState(name);
    if (!st) throw new Error(`forceNameUpdate: ${name} is not registered on this chain`);
    const tx = new Transaction();
    tx.version = NAMECOIN_TX_VERSION;
    tx.addInput(fromDisplay(st.txid), st.vout, 0xfffffffd);
    tx.setWitness(0, [new Uint8Array(71), new Uint8Array(33)]);
    tx.addOutput(buildNameUpdateScript(enc(name), enc(value), opts.ownerScript ?? st.ownerScript), BigInt(st.value_sat));
    this.mineRaw([tx.toHex()]);
    return { txid: tx.getId(), vout: 0 };
  }

  /** An independent copy (blocks and mempool), e.g. to give one server a different story. */
  fork(): SimChain {
    const c = new SimChain({ startHeight: 0, verifySignatures: this.verifySignatures, minRelayFeePerKvB: this.minRelayFeePerKvB });
    for (let h = 1; h < this.blockHexes.length; h++) {
      const [cb, ...rest] = this.blockHexes[h]!.map((x) => Transaction.fromHex(x));
      c.connect(rest, false, cb, this.blocks[h]!.time);
    }
    for (const e of this.pool.values()) c.trustedAdd(Transaction.fromHex(e.hex));
    return c;
  }

  // ---------------------------------------------------------------- broadcast

  /** sendrawtransaction as Namecoin Core v31.1 runs it; throws BroadcastRejection. */
  submitTx(hexIn: string): string {
    const r = this.evaluate(hexIn, 'send');
    if (r.kind === 'known') return r.txid;
    if (r.kind === 'reject') throw new BroadcastRejection(r.message, r.rpcCode);
    const touched = new Set<string>(r.entry.touched);
    for (const c of r.conflicts) for (const t of this.removeWithDescendants(c)) touched.add(t);
    this.addEntry(r.entry);
    this.emit(false, touched);
    return r.entry.txid;
  }

  /**
   * testmempoolaccept (default maxfeerate): nothing changes; the answer has Core's fields
   * (txid, wtxid, allowed, vsize, fees.base in NMC, reject-reason, reject-details).
   */
  testAccept(hexIn: string, opts: { maxFeeRatePerKvB?: number } = {}): TestAcceptResult {
    const r = this.evaluate(hexIn, 'test', opts.maxFeeRatePerKvB ?? MAX_FEE_RATE_PER_KVB);
    if (r.kind === 'accept') {
      return { txid: r.entry.txid, wtxid: r.entry.wtxid, allowed: true, vsize: r.entry.vsize, fees: { base: r.entry.fee / 1e8 } };
    }
    if (r.kind === 'known') throw new Error('unreachable');
    const out: TestAcceptResult = { txid: r.txid ?? '', wtxid: r.wtxid ?? '', allowed: false, 'reject-reason': r.reason };
    if (r.details !== undefined) out['reject-details'] = r.details;
    return out;
  }

  private evaluate(
    hexIn: string,
    mode: 'send' | 'test',
    maxFeeRatePerKvB = MAX_FEE_RATE_PER_KVB,
  ):
    | { kind: 'accept'; entry: MempoolEntry; conflicts: Set<string> }
    | { kind: 'known'; txid: string }
    | { kind: 'reject'; message: string; rpcCode: number; reason: string; details?: string; txid?: string; wtxid?: string } {
    let tx: Transaction;
    const hex = hexIn.toLowerCase();
    try {
      if (!/^([0-9a-f]{2})+$/.test(hex)) throw new Error('not hex');
      tx = Transaction.fromHex(hex);
      if (tx.ins.length === 0) throw new Error('no inputs');
    } catch {
      const message = 'TX decode failed. Make sure the tx has at least one input.';
      return { kind: 'reject', message, rpcCode: -22, reason: message };
    }
    const txid = tx.getId();
    const wtxid = displayHex(tx.getHash(true));
    const reject = (message: string, rpcCode: number, reason: string, details?: string) =>
      ({ kind: 'reject', message, rpcCode, reason, details, txid, wtxid }) as const;
    // sendrawtransaction's maxburnamount (0): no unspendable output may carry value.
    if (mode === 'send') {
      for (const o of tx.outs) {
        if ((isUnspendable(o.script) || !hasValidOps(o.script)) && o.value > 0n) {
          return reject('Unspendable output exceeds maximum configured by user (maxburnamount)', -25, 'maxburnamount');
        }
      }
    }
    const inPool = this.pool.get(txid);
    if (inPool) {
      if (mode === 'send' && inPool.wtxid === wtxid) return { kind: 'known', txid };
      const why = inPool.wtxid === wtxid ? 'txn-already-in-mempool' : 'txn-same-nonwitness-data-in-mempool';
      return reject(why, -26, why, why);
    }
    for (let i = 0; i < tx.outs.length; i++) {
      if (this.utxos.has(key(txid, i))) {
        return reject('Transaction outputs already in utxo set', -27, 'txn-already-known', 'txn-already-known');
      }
    }
    let checked: { entry: MempoolEntry; conflicts: Set<string> };
    try {
      checked = this.preChecks(tx, hex, txid, wtxid);
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      if (e.message === 'bad-txns-inputs-missingorspent') return reject(e.message, e.rpcCode, 'missing-inputs');
      const comma = e.message.indexOf(', ');
      return reject(e.message, e.rpcCode, comma < 0 ? e.message : e.message.slice(0, comma), e.message);
    }
    if (maxFeeRatePerKvB > 0 && checked.entry.fee > feeForVsize(maxFeeRatePerKvB, checked.entry.vsize)) {
      return reject('Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)', -25, 'max-fee-exceeded');
    }
    return { kind: 'accept', ...checked };
  }

  /** MemPoolAccept::PreChecks + ReplacementChecks + script checks, in Core's order. */
  private preChecks(tx: Transaction, hex: string, txid: string, wtxid: string): { entry: MempoolEntry; conflicts: Set<string> } {
    // CheckTransaction
    if (tx.outs.length === 0) throw new Reject('bad-txns-vout-empty');
    const seen = new Set<string>();
    for (const input of tx.ins) {
      const k = key(displayHex(input.hash), input.index);
      if (seen.has(k)) throw new Reject('bad-txns-inputs-duplicate');
      seen.add(k);
    }
    let outTotal = 0;
    for (const o of tx.outs) {
      if (o.value < 0n) throw new Reject('bad-txns-vout-negative');
      if (o.value > 21_000_000n * 100_000_000n) throw new Reject('bad-txns-vout-toolarge');
      outTotal += Number(o.value);
    }
    if (tx.isCoinbase()) throw new Reject('coinbase');
    // IsStandardTx
    if (!(tx.version >= 1 && tx.version <= 3) && tx.version !== NAMECOIN_TX_VERSION) throw new Reject('version');
    if (tx.weight() > 400_000) throw new Reject('tx-size');
    if (tx.byteLength(false) < 65) throw new Reject('tx-size-small');
    for (const input of tx.ins) {
      if (input.script.length > 1650) throw new Reject('scriptsig-size');
    }
    let opReturns = 0;
    for (const o of tx.outs) {
      const plain = parseNameScript(o.script)?.address ?? o.script;
      if (!isStandardOutputType(plain)) throw new Reject('scriptpubkey');
      if (plain[0] === 0x6a) opReturns++;
      else if (Number(o.value) < dustThreshold(o.script)) throw new Reject('dust');
    }
    if (opReturns > 1) throw new Reject('multi-op-return');

    // Conflicts (full RBF: every conflicting tx is replaceable) and inputs.
    const conflicts = new Set<string>();
    const parents = new Set<string>();
    const prevouts: { script: Uint8Array; value: number; height: number; coinbase: boolean; sh: string }[] = [];
    for (const input of tx.ins) {
      const prevTxid = displayHex(input.hash);
      const k = key(prevTxid, input.index);
      const spender = this.poolSpends.get(k);
      if (spender !== undefined) conflicts.add(spender);
      const coin = this.utxos.get(k);
      if (coin && this.nodeHasCoin(coin)) {
        prevouts.push({ script: coin.script, value: coin.value, height: coin.height, coinbase: coin.coinbase, sh: coin.sh });
        continue;
      }
      const parent = this.pool.get(prevTxid);
      const out = parent?.tx.outs[input.index];
      if (parent && out) {
        parents.add(prevTxid);
        prevouts.push({ script: out.script, value: Number(out.value), height: this.tipHeight + 1, coinbase: false, sh: parent.outPairs[input.index]!.sh });
        continue;
      }
      throw new Reject('bad-txns-inputs-missingorspent', -25);
    }
    // A tx may not spend an output of a tx it replaces.
    const evicted = new Set<string>();
    for (const c of conflicts) for (const d of this.descendants(c)) evicted.add(d);
    for (const p of parents) {
      if (evicted.has(p)) throw new Reject(`bad-txns-spends-conflicting-tx, ${txid} spends conflicting transaction ${p}`);
    }
    // Consensus::CheckTxInputs
    const spendHeight = this.tipHeight + 1;
    let inTotal = 0;
    for (const p of prevouts) {
      if (p.coinbase && spendHeight - p.height < COINBASE_MATURITY) {
        throw new Reject(`bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth ${spendHeight - p.height}`);
      }
      inTotal += p.value;
    }
    if (inTotal < outTotal) {
      throw new Reject(`bad-txns-in-belowout, value in (${formatMoney(inTotal)}) < value out (${formatMoney(outTotal)})`);
    }
    const fee = inTotal - outTotal;
    // Namecoin's name rules
    checkNameTransaction(
      tx.version,
      tx.outs.map((o) => ({ script: o.script, value: Number(o.value) })),
      prevouts,
      (name) => {
        const r = this.names.get(hexOf(name));
        return r ? { height: r.height, txid: r.txid, vout: r.vout } : null;
      },
      spendHeight,
      NAME_EXPIRATION,
    );
    // Fee floor
    const vsize = tx.virtualSize();
    const minFee = feeForVsize(this.minRelayFeePerKvB, vsize);
    if (fee < minFee) throw new Reject(`min relay fee not met, ${fee} < ${minFee}`);
    // Replacement (BIP125 rules 3 and 4 as Core's PaysForRBF, then the feerate diagram)
    if (conflicts.size > 0) {
      if (evicted.size > 100) throw new Reject(`too many potential replacements, rejecting replacement ${txid}; too many potential replacements (${evicted.size} > 100)`);
      let oldFees = 0;
      for (const d of evicted) oldFees += this.pool.get(d)!.fee;
      if (fee < oldFees) {
        throw new Reject(`insufficient fee, rejecting replacement ${txid}, less fees than conflicting txs; ${formatMoney(fee)} < ${formatMoney(oldFees)}`);
      }
      const additional = fee - oldFees;
      const needed = feeForVsize(INCREMENTAL_RELAY_FEE_PER_KVB, vsize);
      if (additional < needed) {
        throw new Reject(`insufficient fee, rejecting replacement ${txid}, not enough additional fees to relay; ${formatMoney(additional)} < ${formatMoney(needed)}`);
      }
      // Cluster mempool: the replacement must not lower the feerate diagram. With the simple
      // clusters here that is: its feerate is above that of each conflict it evicts directly.
      for (const c of conflicts) {
        const e = this.pool.get(c)!;
        if (fee * e.vsize <= e.fee * vsize) {
          throw new Reject('replacement-failed, insufficient feerate: does not improve feerate diagram');
        }
      }
    }
    // Scripts (standard flags), first failing input reported as Core 31 does.
    if (this.verifySignatures) {
      const res = verifyAllInputs(hex, prevouts.map((p) => ({ script: p.script, value: p.value })));
      if (!res.ok) {
        const bad = res.inputs.findIndex((r) => !r.ok);
        const i = bad < 0 ? 0 : bad;
        const input = tx.ins[i]!;
        const why = scriptErrorString(res.inputs[i]?.error ?? res.error);
        throw new Reject(
          `mempool-script-verify-flag-failed (${why}), input ${i} of ${txid} (wtxid ${wtxid}), spending ${displayHex(input.hash)}:${input.index}`,
        );
      }
    }
    const entry = this.makeEntry(tx, hex, fee, parents, prevouts.map((p) => ({ sh: p.sh, value: p.value })));
    return { entry, conflicts };
  }

  // ---------------------------------------------------------------- internals

  private nodeHasCoin(c: Coin): boolean {
    const ns = parseNameScript(c.script);
    if (ns === null || ns.op === 'name_new') return true;
    // Core's ConnectBlock expires names for the NEXT block's height: the coin leaves the UTXO
    // set once expires_in would be 1 (expiry/README.md).
    return c.height + NAME_EXPIRATION - this.tipHeight > 1;
  }

  private makeEntry(tx: Transaction, hex: string, fee: number, parents: Set<string>, inPairs: { sh: string; value: number }[]): MempoolEntry {
    const outPairs = tx.outs.map((o) => ({ sh: SimChain.ownerScripthash(o.script), value: Number(o.value) }));
    const touched = new Set<string>([...inPairs.map((p) => p.sh), ...outPairs.map((p) => p.sh)]);
    return {
      txid: tx.getId(),
      wtxid: displayHex(tx.getHash(true)),
      hex,
      tx,
      fee,
      vsize: tx.virtualSize(),
      spends: tx.ins.map((i) => key(displayHex(i.hash), i.index)),
      parents,
      inPairs,
      outPairs,
      touched,
    };
  }

  private addEntry(e: MempoolEntry): void {
    this.pool.set(e.txid, e);
    for (const s of e.spends) this.poolSpends.set(s, e.txid);
  }

  /** A miner's own tx into the mempool, no policy (faucet, registrations). */
  private trustedAdd(tx: Transaction): void {
    const parents = new Set<string>();
    const inPairs: { sh: string; value: number }[] = [];
    let inTotal = 0;
    for (const input of tx.ins) {
      const prev = displayHex(input.hash);
      const c = this.utxos.get(key(prev, input.index));
      const p = this.pool.get(prev);
      if (c) {
        inPairs.push({ sh: c.sh, value: c.value });
        inTotal += c.value;
      } else if (p) {
        parents.add(prev);
        const o = p.tx.outs[input.index]!;
        inPairs.push({ sh: p.outPairs[input.index]!.sh, value: Number(o.value) });
        inTotal += Number(o.value);
      }
    }
    const outTotal = tx.outs.reduce((n, o) => n + Number(o.value), 0);
    const e = this.makeEntry(tx, tx.toHex(), Math.max(0, inTotal - outTotal), parents, inPairs);
    const touched = new Set(e.touched);
    for (const s of e.spends) {
      const other = this.poolSpends.get(s);
      if (other) for (const t of this.removeWithDescendants(other)) touched.add(t);
    }
    this.addEntry(e);
    this.emit(false, touched);
  }

  /** A tx paying `outs` from the miner's mature coins, change back to the miner. */
  private faucetTx(outs: { script: Uint8Array; value: number }[]): Transaction {
    const need = outs.reduce((n, o) => n + o.value, 0) + FAUCET_FEE;
    const minerSh = SimChain.ownerScripthash(MINER_SCRIPT);
    const coins = [...(this.utxosBySh.get(minerSh) ?? [])]
      .map((k) => this.utxos.get(k)!)
      // the miner's own bookkeeping: maturity is not enforced here, so short test chains work
      .filter((c) => !this.poolSpends.has(key(c.txid, c.vout)))
      .sort((a, b) => b.value - a.value);
    const tx = new Transaction();
    tx.version = 2;
    let sum = 0;
    for (const c of coins) {
      if (sum >= need) break;
      tx.addInput(fromDisplay(c.txid), c.vout, 0xfffffffd);
      sum += c.value;
    }
    if (sum < need) throw new Error(`simulator faucet: only ${sum} sat of mature miner coins, ${need} needed; mine more blocks`);
    for (const o of outs) tx.addOutput(o.script, BigInt(o.value));
    if (sum - need > 0) tx.addOutput(MINER_SCRIPT, BigInt(sum - need));
    return tx;
  }

  private descendants(txid: string): Set<string> {
    const out = new Set<string>([txid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of this.pool.values()) {
        if (out.has(e.txid)) continue;
        for (const p of e.parents) {
          if (out.has(p)) {
            out.add(e.txid);
            grew = true;
            break;
          }
        }
      }
    }
    return out;
  }

  /** Drop a mempool tx and everything spending its outputs; returns the scripthashes touched. */
  private removeWithDescendants(txid: string): Set<string> {
    const touched = new Set<string>();
    for (const d of this.descendants(txid)) {
      const e = this.pool.get(d);
      if (!e) continue;
      this.pool.delete(d);
      for (const s of e.spends) if (this.poolSpends.get(s) === d) this.poolSpends.delete(s);
      for (const t of e.touched) touched.add(t);
    }
    return touched;
  }

  private addHistory(sh: string, txid: string, height: number): void {
    let rows = this.history.get(sh);
    if (!rows) this.history.set(sh, (rows = []));
    const last = rows[rows.length - 1];
    if (last && last.txid === txid) return;
    rows.push({ txid, height });
  }

  private connectGenesis(): void {
    const cb = Transaction.fromHex(GENESIS_COINBASE_HEX);
    const txid = cb.getId();
    const header = basicHeader(1, new Uint8Array(32), fromDisplay(txid), GENESIS_TIME, 0x207fffff, 2);
    this.blocks.push({ height: 0, header, hash: dsha256(header), time: GENESIS_TIME, txids: [txid] });
    this.blockHexes.push([GENESIS_COINBASE_HEX]);
    // The genesis coinbase is not spendable and ElectrumX does not index it either.
  }

  /** ConnectBlock: coinbase + txs at tip+1, both views updated, mempool cleaned. */
  private connect(txs: Transaction[], notify: boolean, coinbaseIn?: Transaction, timeIn?: number): void {
    const height = this.tipHeight + 1;
    let fees = 0;
    for (const tx of txs) {
      const e = this.pool.get(tx.getId());
      if (e) fees += e.fee;
    }
    const coinbase = coinbaseIn ?? makeCoinbase(height, fees);
    const all = [coinbase, ...txs];
    const txids = all.map((t) => t.getId());
    const time = timeIn ?? Math.max(BLOCK_TIME_BASE + height, (this.blocks[height - 1]?.time ?? 0) + 1);
    const prev = this.blocks[height - 1]!.hash;
    const { header, hash } = makeHeader(prev, merkleRoot(txids), time);
    const touched = new Set<string>();
    for (const [i, tx] of all.entries()) {
      const txid = txids[i]!;
      const stored: StoredTx = { txid, hex: tx.toHex(), tx, height, txNum: this.txCounter++ };
      this.txs.set(txid, stored);
      if (!tx.isCoinbase()) {
        for (const input of tx.ins) {
          const k = key(displayHex(input.hash), input.index);
          const c = this.utxos.get(k);
          if (!c) continue;
          this.utxos.delete(k);
          this.utxosBySh.get(c.sh)?.delete(k);
          this.addHistory(c.sh, txid, height);
          touched.add(c.sh);
          // a mempool tx spending the same coin is now a conflict
          const spender = this.poolSpends.get(k);
          if (spender !== undefined && spender !== txid) for (const t of this.removeWithDescendants(spender)) touched.add(t);
        }
      }
      tx.outs.forEach((o, vout) => {
        const sh = SimChain.ownerScripthash(o.script);
        const coin: Coin = { txid, vout, value: Number(o.value), script: o.script, height, coinbase: tx.isCoinbase(), sh, txNum: stored.txNum };
        const k = key(txid, vout);
        this.utxos.set(k, coin);
        let set = this.utxosBySh.get(sh);
        if (!set) this.utxosBySh.set(sh, (set = new Set()));
        set.add(k);
        this.addHistory(sh, txid, height);
        touched.add(sh);
        const ns = parseNameScript(o.script);
        if (ns && ns.op !== 'name_new') {
          const nsh = electrumScripthash(nameIndexScript(ns.name));
          this.addHistory(nsh, txid, height);
          touched.add(nsh);
          this.names.set(hexOf(ns.name), { value: ns.value, height, txid, vout, script: o.script });
        }
      });
      const inPool = this.pool.get(txid);
      if (inPool) {
        this.pool.delete(txid);
        for (const s of inPool.spends) if (this.poolSpends.get(s) === txid) this.poolSpends.delete(s);
        // its children now have confirmed parents
        for (const e of this.pool.values()) e.parents.delete(txid);
      }
    }
    this.blocks.push({ height, header, hash, time, txids });
    this.blockHexes.push(all.map((t) => t.toHex()));
    // Pending updates of names that just expired for the next block are evicted (expiry README).
    for (const e of [...this.pool.values()]) {
      if (!this.pool.has(e.txid)) continue;
      const stale = e.spends.some((s) => {
        const c = this.utxos.get(s);
        return c !== undefined && !this.nodeHasCoin(c);
      });
      if (stale) for (const t of this.removeWithDescendants(e.txid)) touched.add(t);
    }
    if (notify) this.emit(true, touched);
  }

  private emit(heightChanged: boolean, touched: Set<string>): void {
    for (const l of [...this.listeners]) l({ heightChanged, touched });
  }
}
