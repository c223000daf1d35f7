// Broadcasting a signed transaction to every reachable server, and reading what they say.
//
// The txid each server returns must equal the one computed locally: a server that answers with
// another txid did not relay our transaction. Rejections arrive as ElectrumX error code 1,
// "the transaction was rejected by network rules.\n\n<namecoind reason>\n[<raw hex>]"
// (fixtures rejections/, surplus-fee/, rbf-and-chains/, expiry/). The text is untrusted: it is
// only searched for Namecoin Core's reject reasons to pick a category, and shown sanitised.
import { ChainError, ServerError, sanitizeServerText } from './errors.ts';
import type { ElectrumClient } from './electrum.ts';

export type RejectCategory = 'fee-too-low' | 'conflict' | 'already-known' | 'name-rule' | 'missing-inputs' | 'other';

/**
 * Namecoin Core reject reasons per category, checked in this order (the first match wins).
 * Sources: the recorded ElectrumX errors in the fixtures and Core's validation.cpp /
 * names/main.cpp reason strings (as listed by Electrum-NMC's sanitize_tx_broadcast_response).
 */
const RULES: ReadonlyArray<[RejectCategory, RegExp]> = [
  // Already in the mempool or the chain: our transaction is out there, which is what we want.
  ['already-known', /txn-already-in-mempool|txn-already-known|txn-same-nonwitness-data-in-mempool|transaction already in block chain|transaction outputs already in utxo set/i],
  // Pays too little: a relay floor, the mempool's dynamic floor, or a replacement's BIP125 fee.
  ['fee-too-low', /min relay fee not met|mempool min fee not met|min-fee-not-met|insufficient fee|insufficient-fee/i],
  // Conflicts with a mempool transaction that may not be replaced.
  ['conflict', /txn-mempool-conflict|bip125-replacement-disallowed|replacement-adds-unconfirmed|too many potential replacements/i],
  // Namecoin's name rules (tx-name-greedy, tx-nameupdate-*, tx-nonname-with-name-input, …).
  ['name-rule', /\btx-(?:non)?name[a-z]*-|\btx-name-|txn-mempool-name-error|name-(?:new|update|firstupdate)-/i],
  // An input is spent or unknown (double spend, expired name coin, a parent not yet seen).
  ['missing-inputs', /bad-txns-inputs-missingorspent|missing-inputs|missing inputs|bad-txns-inputs-spent/i],
];

/** The namecoind reason inside ElectrumX's wrapper, without the echoed raw hex. */
export function rejectReason(message: string): string {
  let m = message;
  const wrapper = 'the transaction was rejected by network rules.';
  const at = m.indexOf(wrapper);
  if (at >= 0) m = m.slice(at + wrapper.length);
  const hex = m.lastIndexOf('\n[');
  if (hex >= 0) m = m.slice(0, hex);
  return m.trim();
}

export function classifyRejection(message: string): RejectCategory {
  const reason = rejectReason(message);
  for (const [category, re] of RULES) if (re.test(reason)) return category;
  return 'other';
}

export type BroadcastOutcome = 'accepted' | 'already-known' | 'rejected' | 'txid-mismatch' | 'unreachable';

export interface BroadcastResult {
  server: string;
  /** The transaction is on that server's node (accepted now or known already). */
  ok: boolean;
  outcome: BroadcastOutcome;
  /** For 'rejected': what kind of rejection. */
  category?: RejectCategory;
  /** The txid the server returned, when it returned one. */
  txid?: string;
  /** One sanitised sentence for the log and the status page. */
  message: string;
}

export interface BroadcastReport {
  txid: string;
  /** At least one server has the transaction. */
  accepted: boolean;
  results: BroadcastResult[];
}

/** Send `rawHex` to one server and judge the answer. */
export async function broadcastTo(client: ElectrumClient, rawHex: string, txid: string): Promise<BroadcastResult> {
  const server = client.server.url;
  try {
    const got = await client.broadcast(rawHex);
    if (got !== txid) {
      return { server, ok: false, outcome: 'txid-mismatch', txid: got, message: `${server} answered with txid ${got}, not ${txid}: it did not relay this transaction` };
    }
    return { server, ok: true, outcome: 'accepted', txid: got, message: `${server} accepted ${txid}` };
  } catch (e) {
    if (e instanceof ServerError) {
      const category = classifyRejection(e.rpcMessage);
      const reason = sanitizeServerText(rejectReason(e.rpcMessage), 200);
      if (category === 'already-known') return { server, ok: true, outcome: 'already-known', category, message: `${server} already has ${txid} (${reason})` };
      return { server, ok: false, outcome: 'rejected', category, message: `${server} rejected ${txid} (${category}): ${reason}` };
    }
    const why = e instanceof ChainError ? e.message : String(e);
    return { server, ok: false, outcome: 'unreachable', message: `${server}: broadcast failed: ${why}` };
  }
}

/** Broadcast to every session at once; the report lists each server's outcome. */
export async function broadcastToAll(clients: readonly ElectrumClient[], rawHex: string, txid: string): Promise<BroadcastReport> {
  const want = txid.toLowerCase();
  const results = await Promise.all(clients.map((c) => broadcastTo(c, rawHex, want)));
  return { txid: want, accepted: results.some((r) => r.ok), results };
}
