// The ElectrumX 1.20.0 method table for Namecoin (NameIndexAuxPoWElectrumX), per negotiated
// protocol version, with the result shapes and error messages of the recordings in
// ../shared/fixtures/regtest/electrum-transcripts/.
import { BroadcastRejection } from './backend.ts';
import { headerMerkleProof, txMerkleBranch } from './merkle.ts';
import { pyFloat, pyStr, pyThousands } from './pyjson.ts';
import {
  BAD_REQUEST,
  DAEMON_ERROR,
  RpcError,
  assertScripthash,
  assertTxHash,
  compareTuples,
  negotiateProtocol,
  nonNegativeInteger,
  versionString,
  type MethodSpec,
  type ProtocolTuple,
} from './rpc.ts';
import type { Session } from './session.ts';
import { rewriteNameValue } from './lies.ts';

export interface ServerConfig {
  serverVersion: string;
  protocolMin: ProtocolTuple;
  protocolMax: ProtocolTuple;
  /** NMC/kB, as namecoind's getnetworkinfo relayfee. */
  relayFee: number;
  incrementalRelayFee: number;
  /** NMC/kB answered by blockchain.estimatefee, or -1 for "no estimate". */
  estimateFee: number;
  padMessages: boolean;
  /** Reproduce ElectrumX 1.20.0's blockchain.block.headers offsets bug on AuxPoW chains. */
  headersBug: boolean;
  genesisHash: string;
  /** Close a session that sent nothing for this long (ElectrumX SESSION_TIMEOUT); 0 = never. */
  sessionTimeoutMs: number;
  banner: string;
  donationAddress: string;
}

/** Coin.TRUNCATED_HEADER_SIZE / BASIC_HEADER_SIZE. */
const BASIC_HEADER = 80;
const MAX_CHUNK_SIZE = 2016;
const ESTIMATEFEE_MODES = new Set([null, undefined, 'CONSERVATIVE', 'ECONOMICAL']);
const NO_SUCH_TX =
  "daemon error: DaemonError({'code': -5, 'message': 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.'})";

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ge = (a: ProtocolTuple, b: number[]): boolean => compareTuples(a, b) >= 0;

export function buildMethods(session: Session): Map<string, MethodSpec> {
  const { config, faults } = session.ctx;
  const chain = (): ReturnType<Session['ctx']['chain']> => session.chain;
  const m = new Map<string, MethodSpec>();
  const def = (name: string, params: string[], required: number, fn: MethodSpec['fn']): void => {
    m.set(name, { params, required, fn });
  };
  const p = session.protocol;

  const rawHeader = (height: number): Uint8Array => {
    const h = chain().header(height);
    if (h === null) throw new RpcError(BAD_REQUEST, `height ${pyThousands(height)} out of range`);
    return h;
  };
  const merkleProof = (cpHeight: number, height: number): { branch: string[]; root: string } => {
    const max = chain().tipHeight;
    if (!(height <= cpHeight && cpHeight <= max)) {
      throw new RpcError(
        BAD_REQUEST,
        `require header height ${pyThousands(height)} <= cp_height ${pyThousands(cpHeight)} <= chain height ${pyThousands(max)}`,
      );
    }
    const hashes: Uint8Array[] = [];
    for (let h = 0; h <= cpHeight; h++) hashes.push(chain().blockHash(h)!);
    return headerMerkleProof(hashes, height);
  };
  const truncates = ge(p, [1, 4, 1]);

  const blockHeader = (height: unknown, cpHeight: unknown = 0): unknown => {
    const h = nonNegativeInteger(height);
    const cp = nonNegativeInteger(cpHeight);
    const raw = rawHeader(h);
    if (cp === 0) return hex(raw);
    const header = truncates ? raw.subarray(0, BASIC_HEADER) : raw;
    return { header: hex(header), ...merkleProof(cp, h) };
  };

  const txMerkle = (txHash: unknown, height: unknown): { block_height: number; merkle: string[]; pos: number } => {
    const txid = assertTxHash(txHash);
    const h = nonNegativeInteger(height);
    const txids = chain().blockTxids(h);
    if (txids === null) throw new RpcError(BAD_REQUEST, `db error: DBError('block ${pyThousands(h)} not on disk 0')`);
    const pos = txids.indexOf(txid);
    if (pos < 0) throw new RpcError(BAD_REQUEST, `tx ${txid} not in block at height ${pyThousands(h)}`);
    return { block_height: h, merkle: txMerkleBranch(txids, pos), pos };
  };

  const txGet = (txHash: unknown, verbose: unknown = false): unknown => {
    assertTxHash(txHash);
    if (verbose !== true && verbose !== false && verbose !== 0 && verbose !== 1) {
      throw new RpcError(BAD_REQUEST, '"verbose" must be a boolean');
    }
    const txid = (txHash as string).toLowerCase();
    const lie = faults.lies.nameValue;
    if (verbose === true || verbose === 1) {
      const v = chain().verboseTx(txid);
      if (v === null) throw new RpcError(DAEMON_ERROR, NO_SUCH_TX);
      return v;
    }
    const raw = chain().rawTx(txid);
    if (raw === null) throw new RpcError(DAEMON_ERROR, NO_SUCH_TX);
    return lie ? rewriteNameValue(raw, lie.name, lie.value) : raw;
  };

  const history = (sh: string): unknown[] => {
    const conf = chain().confirmedHistory(sh).map((r) => ({ tx_hash: r.txid, height: r.height }));
    return [...conf, ...mempool(sh)];
  };
  const mempool = (sh: string): unknown[] =>
    chain().mempoolHistory(sh).map((r) => ({ tx_hash: r.txid, height: r.height, fee: r.fee }));

  // --- server.*
  def('server.version', ['client_name', 'protocol_version'], 0, (_clientName: unknown = '', protocolVersion: unknown = null) => {
    if (session.svSeen) throw new RpcError(BAD_REQUEST, 'server.version already sent');
    session.svSeen = true;
    const t = negotiateProtocol(protocolVersion, config.protocolMin, config.protocolMax);
    if (t === null) {
      throw new RpcError(BAD_REQUEST, `unsupported protocol version: ${pyStr(protocolVersion)}`, true);
    }
    session.setProtocol(t);
    return [config.serverVersion, versionString(t)];
  });
  def('server.ping', [], 0, () => null);
  def('server.features', [], 0, () => ({
    hosts: {},
    pruning: null,
    server_version: config.serverVersion,
    protocol_min: versionString(config.protocolMin),
    protocol_max: versionString(config.protocolMax),
    genesis_hash: config.genesisHash,
    hash_function: 'sha256',
    services: [],
  }));
  def('server.banner', [], 0, () => config.banner);
  def('server.donation_address', [], 0, () => config.donationAddress);
  def('server.peers.subscribe', [], 0, () => []);
  def('server.add_peer', ['features'], 1, () => false);

  // --- headers
  def('blockchain.headers.subscribe', [], 0, () => {
    session.subscribeHeaders = true;
    return session.headersSubscribeResult();
  });
  def('blockchain.block.header', ['height', 'cp_height'], 1, blockHeader);
  def('blockchain.block.headers', ['start_height', 'count', 'cp_height'], 2, (s: unknown, c: unknown, cpArg: unknown = 0) => {
    const start = nonNegativeInteger(s);
    let count = nonNegativeInteger(c);
    const cp = nonNegativeInteger(cpArg);
    count = Math.min(count, MAX_CHUNK_SIZE);
    const tip = chain().tipHeight;
    count = Math.max(0, Math.min(count, tip + 1 - start));
    const headers: Uint8Array[] = [];
    for (let h = start; h < start + count; h++) headers.push(chain().header(h)!);
    const blob = Buffer.concat(headers);
    // Piece lengths: correct ones, or (1.20.0's bug) the lengths of heights 0, 1, 2, ... of the
    // chain instead of start, start+1, ... — see the fixtures README.
    const lengthAt = (i: number): number => chain().header(config.headersBug ? i : start + i)?.length ?? BASIC_HEADER;
    const pieces: Buffer[] = [];
    for (let cursor = 0, i = 0; cursor < blob.length; i++) {
      const len = lengthAt(i);
      pieces.push(blob.subarray(cursor, cursor + len));
      cursor += len;
    }
    const cut = cp !== 0 && truncates;
    const shown = cut ? pieces.map((x) => x.subarray(0, BASIC_HEADER)) : pieces;
    const proof = count > 0 && cp !== 0 ? merkleProof(cp, start + count - 1) : null;
    if (ge(p, [1, 6])) {
      return { count, max: MAX_CHUNK_SIZE, headers: shown.map(hex), ...(proof ?? {}) };
    }
    if (proof === null) return { hex: hex(Buffer.concat(shown)), count, max: MAX_CHUNK_SIZE };
    return { count, max: MAX_CHUNK_SIZE, ...proof, hex: hex(Buffer.concat(shown)) };
  });

  // --- fees
  def('blockchain.estimatefee', ['number', 'mode'], 1, (n: unknown, mode: unknown = null) => {
    nonNegativeInteger(n);
    if (!ESTIMATEFEE_MODES.has(mode as string | null)) throw new RpcError(BAD_REQUEST, `unknown estimatefee mode: ${pyStr(mode)}`);
    const fee = faults.lies.estimateFee ?? config.estimateFee;
    return fee === -1 ? -1 : pyFloat(fee);
  });
  const relayFee = (): number => faults.lies.relayFee ?? config.relayFee;
  if (ge(p, [1, 6])) {
    def('mempool.get_info', [], 0, () => ({
      mempoolminfee: pyFloat(relayFee()),
      minrelaytxfee: pyFloat(relayFee()),
      incrementalrelayfee: pyFloat(config.incrementalRelayFee),
    }));
  } else {
    def('blockchain.relayfee', [], 0, () => pyFloat(relayFee()));
  }
  def('mempool.get_fee_histogram', [], 0, () => []);

  // --- scripthash
  def('blockchain.scripthash.get_history', ['scripthash'], 1, (sh: unknown) => history(assertScripthash(sh)));
  def('blockchain.scripthash.get_mempool', ['scripthash'], 1, (sh: unknown) => mempool(assertScripthash(sh)));
  def('blockchain.scripthash.get_balance', ['scripthash'], 1, (sh: unknown) => chain().balance(assertScripthash(sh)));
  def('blockchain.scripthash.listunspent', ['scripthash'], 1, (sh: unknown) => {
    const hide = new Set(faults.lies.hideOutpoints ?? []);
    return chain()
      .listUnspent(assertScripthash(sh))
      .filter((u) => !hide.has(`${u.txid}:${u.vout}`))
      .map((u) => ({ tx_hash: u.txid, tx_pos: u.vout, height: u.height, value: u.value }));
  });
  def('blockchain.scripthash.subscribe', ['scripthash'], 1, (shArg: unknown) => {
    const sh = assertScripthash(shArg);
    const status = session.addressStatus(sh);
    session.scripthashSubs.set(sh, status);
    return status;
  });
  if (ge(p, [1, 4, 2])) {
    def('blockchain.scripthash.unsubscribe', ['scripthash'], 1, (sh: unknown) => session.scripthashSubs.delete(assertScripthash(sh)));
  }

  // --- transactions
  def('blockchain.transaction.get', ['tx_hash', 'verbose'], 1, txGet);
  def('blockchain.transaction.get_merkle', ['tx_hash', 'height'], 2, txMerkle);
  def('blockchain.transaction.id_from_pos', ['height', 'tx_pos', 'merkle'], 2, (h: unknown, pos: unknown, merkle: unknown = false) => {
    const position = nonNegativeInteger(pos);
    const height = nonNegativeInteger(h);
    if (merkle !== true && merkle !== false) throw new RpcError(BAD_REQUEST, '"merkle" must be a boolean');
    const txids = chain().blockTxids(height);
    const txid = txids?.[position];
    if (txid === undefined) {
      throw new RpcError(BAD_REQUEST, `no tx at position ${pyThousands(position)} in block at height ${pyThousands(height)}`);
    }
    return merkle ? { tx_hash: txid, merkle: txMerkleBranch(txids!, position) } : txid;
  });
  def('blockchain.transaction.broadcast', ['raw_tx'], 1, (rawTx: unknown) => {
    const raw = pyStr(rawTx);
    const reject = (message: string): never => {
      throw new RpcError(BAD_REQUEST, `the transaction was rejected by network rules.\n\n${message}\n[${raw}]`);
    };
    if (faults.lies.rejectBroadcast !== undefined) reject(faults.lies.rejectBroadcast);
    if (faults.lies.broadcastTxid !== undefined) return faults.lies.broadcastTxid;
    if (typeof rawTx !== 'string') reject('JSON value of type ' + jsonType(rawTx) + ' is not of expected type string');
    try {
      return chain().submitTx(rawTx as string);
    } catch (e) {
      if (e instanceof BroadcastRejection) reject(e.message);
      throw e;
    }
  });

  // --- names (NameIndexElectrumX, protocol >= 1.4.3)
  if (ge(p, [1, 4, 3])) {
    def('blockchain.name.get_value_proof', ['scripthash', 'cp_height'], 1, (shArg: unknown, cpArg: unknown = 0) => {
      const sh = assertScripthash(shArg);
      const cp = typeof cpArg === 'number' ? cpArg : nonNegativeInteger(cpArg);
      const rows = history(sh) as { tx_hash: string; height: number }[];
      const out: unknown[] = [];
      let prev: number | null = null;
      for (const row of [...rows].reverse()) {
        const { height } = row;
        if (prev !== null && height < prev - 30) break;
        const tx = txGet(row.tx_hash);
        const merkle = txMerkle(row.tx_hash, height);
        const entry: Record<string, unknown> = { height, tx, tx_merkle: { merkle: merkle.merkle, pos: merkle.pos } };
        if (height <= cp) entry.header = blockHeader(height, cp);
        out.push(entry);
        if (height <= cp) break;
        prev = height;
      }
      return { [(shArg as string)]: out };
    });
  }

  return m;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : typeof v;
}
