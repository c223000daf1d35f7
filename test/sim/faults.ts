// Fault knobs of one simulated server, changed at run time by tests (`sim.faults.hang = true`).
// Each knob reproduces one way a public Electrum server fails or lies; the client must end each
// within its timeout, fail over, or refuse to act.

export interface Lies {
  /** Report this tip height in blockchain.headers.subscribe (and its notifications). */
  tipHeight?: number;
  /** Answer blockchain.estimatefee with this NMC/kB figure. */
  estimateFee?: number;
  /** Answer blockchain.relayfee / mempool.get_info fee fields with this NMC/kB figure. */
  relayFee?: number;
  /** Return this txid from blockchain.transaction.broadcast (and do not submit the tx). */
  broadcastTxid?: string;
  /** Reject every broadcast with this namecoind message (wrapped the ElectrumX way). */
  rejectBroadcast?: string;
  /**
   * Serve a different value for `name` wherever a name output of it is shown
   * (transaction.get, get_value_proof). The rewritten tx no longer hashes to its txid, which a
   * careful client notices; for a self-consistent lie give the server a forked chain instead
   * (`chain.fork()` + `forceNameUpdate`).
   */
  nameValue?: { name: string; value: string };
  /** Hide these outpoints ("txid:vout") from listunspent, as if the name coin had moved. */
  hideOutpoints?: string[];
}

export interface FaultKnobs {
  /** Reset every new connection straight away (TCP RST after accept). */
  refuse: boolean;
  /** Delay every reply by this many milliseconds. */
  delayMs: number;
  /** Per-method delays (override delayMs); a slow method's reply is overtaken by later ones. */
  delayByMethod: Record<string, number>;
  /** Read requests but never answer them. */
  hang: boolean;
  /** Write the first half of the next reply line, then destroy the connection. */
  dropMidLine: boolean;
  /** Answer every request with a line of non-JSON bytes. */
  garbage: boolean;
  /**
   * Answer every request with one line of this many bytes (no newline until the end), or
   * 'endless' to stream bytes without a newline until the client goes away.
   */
  oversizedLine: number | 'endless' | null;
  /** Only apply the reply faults above (delay/hang/drop/garbage/oversized) to these methods. */
  onlyMethods: string[] | null;
  lies: Lies;
  /** Last word on any result: (method, params, result) => result to send. */
  transform: ((method: string, params: unknown[], result: unknown) => unknown) | null;
}

export function defaultFaults(): FaultKnobs {
  return {
    refuse: false,
    delayMs: 0,
    delayByMethod: {},
    hang: false,
    dropMidLine: false,
    garbage: false,
    oversizedLine: null,
    onlyMethods: null,
    lies: {},
    transform: null,
  };
}

/** Put every knob back to "behave". */
export function resetFaults(f: FaultKnobs): void {
  Object.assign(f, defaultFaults());
}
