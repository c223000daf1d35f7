// What a simulated ElectrumX session asks of the chain behind it (the SimChain implements it):
// the same questions ElectrumX asks its DB, mempool and namecoind.

export interface HistoryRow {
  txid: string;
  /** Block height; 0 = mempool with confirmed inputs only, -1 = mempool spending a mempool output. */
  height: number;
  /** Only for mempool rows: fee in satoshis. */
  fee?: number;
}

export interface UtxoRow {
  txid: string;
  vout: number;
  /** 0 for mempool outputs. */
  height: number;
  value: number;
}

export interface ChainBackend {
  readonly tipHeight: number;
  /** The full stored header (80 bytes + AuxPoW) at a height, or null beyond the tip. */
  header(height: number): Uint8Array | null;
  /** Block hash (internal byte order) at a height. */
  blockHash(height: number): Uint8Array | null;
  /** txids (display hex) of the block at a height, in block order. */
  blockTxids(height: number): string[] | null;
  confirmedHistory(scripthash: string): HistoryRow[];
  mempoolHistory(scripthash: string): HistoryRow[];
  /** Confirmed UTXOs (chain order) then mempool ones, minus outputs a mempool tx spends. */
  listUnspent(scripthash: string): UtxoRow[];
  balance(scripthash: string): { confirmed: number; unconfirmed: number };
  /** Raw tx hex (mempool or chain), or null. */
  rawTx(txid: string): string | null;
  /** namecoind getrawtransaction verbose JSON, or null. */
  verboseTx(txid: string): Record<string, unknown> | null;
  /** sendrawtransaction: the txid, or throws a BroadcastRejection with namecoind's message. */
  submitTx(hex: string): string;
  /** Listen for new blocks / mempool changes; returns the scripthashes touched. */
  onChange(listener: (ev: { heightChanged: boolean; touched: Set<string> }) => void): () => void;
}

/** What namecoind's sendrawtransaction said when it refused a transaction. */
export class BroadcastRejection extends Error {
  constructor(
    /** namecoind's message, exactly (e.g. "min relay fee not met, 14399 < 14400"). */
    message: string,
    /** namecoind's RPC error code (-25, -26, -27, -22). */
    readonly rpcCode: number,
  ) {
    super(message);
    this.name = 'BroadcastRejection';
  }
}
