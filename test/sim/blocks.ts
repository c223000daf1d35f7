// Blocks of the simulated regtest chain: coinbases, and merge-mined (AuxPoW) headers laid out
// like the recorded ones (electrum-transcripts: 294 bytes = 80-byte header + AuxPoW).
//
//   header (80):  version 0x00010104 | prev hash | merkle root | time | bits 0x207fffff | nonce 0
//   AuxPoW (214): parent coinbase tx (92 B: 1 input, scriptSig = push40(blockhash reversed ‖
//                 merkle size 1 ‖ merkle nonce 0), no outputs) | parent block hash (32 zero bytes)
//                 | coinbase branch (00, index 0) | chain branch (00, index 0)
//                 | parent header (80: version 1, zero prev, merkle = parent coinbase txid,
//                   time 0, bits 0, nonce ground until the parent hash meets the block's target)
import { Transaction } from 'bitcoinjs-lib';
import { concatBytes } from '../../src/sign/bytes.ts';
import { dsha256 } from './merkle.ts';

export const AUXPOW_VERSION = 0x00010104;
export const REGTEST_BITS = 0x207fffff;
/** The miner's coins: bare OP_TRUE, spendable with an empty scriptSig (only the simulator spends them). */
export const MINER_SCRIPT = Uint8Array.of(0x51);

/** Bitcoin/Namecoin regtest genesis block (hash 0f9188f1…2206). */
export const GENESIS_COINBASE_HEX =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

export function basicHeader(version: number, prev: Uint8Array, merkle: Uint8Array, time: number, bits: number, nonce: number): Uint8Array {
  return concatBytes(u32(version), prev, merkle, u32(time), u32(bits), u32(nonce));
}

/** The 256-bit target of compact `bits`, as a big-endian byte array. */
function targetOf(bits: number): Uint8Array {
  const size = bits >>> 24;
  const word = bits & 0x007fffff;
  const t = new Uint8Array(32);
  // target = word * 256^(size-3); big-endian position of the word's top byte is 32 - size
  for (let i = 0; i < 3; i++) {
    const pos = 32 - size + i;
    if (pos >= 0 && pos < 32) t[pos] = (word >> (8 * (2 - i))) & 0xff;
  }
  return t;
}

function hashMeetsTarget(hashInternal: Uint8Array, bits: number): boolean {
  const be = Uint8Array.from(hashInternal).reverse();
  const t = targetOf(bits);
  for (let i = 0; i < 32; i++) {
    if (be[i]! !== t[i]!) return be[i]! < t[i]!;
  }
  return true;
}

/** The AuxPoW blob for a block whose (80-byte) hash is `blockHash` (internal order). */
export function auxPow(blockHash: Uint8Array, bits: number): Uint8Array {
  const push = concatBytes(Uint8Array.of(0x28), Uint8Array.from(blockHash).reverse(), u32(1), u32(0));
  const coinbase = concatBytes(
    u32(1),
    Uint8Array.of(1),
    new Uint8Array(32),
    u32(0xffffffff),
    Uint8Array.of(push.length),
    push,
    u32(0xffffffff),
    Uint8Array.of(0),
    u32(0),
  );
  const coinbaseTxid = dsha256(coinbase);
  let nonce = 0;
  let parent: Uint8Array;
  for (;;) {
    parent = basicHeader(1, new Uint8Array(32), coinbaseTxid, 0, 0, nonce);
    if (hashMeetsTarget(dsha256(parent), bits)) break;
    nonce++;
  }
  const emptyBranch = concatBytes(Uint8Array.of(0), u32(0));
  return concatBytes(coinbase, new Uint8Array(32), emptyBranch, emptyBranch, parent);
}

/** Full stored header (80 + AuxPoW) and the block hash (internal order). */
export function makeHeader(prev: Uint8Array, merkle: Uint8Array, time: number): { header: Uint8Array; hash: Uint8Array } {
  const basic = basicHeader(AUXPOW_VERSION, prev, merkle, time, REGTEST_BITS, 0);
  const hash = dsha256(basic);
  return { header: concatBytes(basic, auxPow(hash, REGTEST_BITS)), hash };
}

/** CScript() << n for a BIP34 height push. */
function scriptNum(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(0x00);
  if (n >= 1 && n <= 16) return Uint8Array.of(0x50 + n);
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Uint8Array.of(bytes.length, ...bytes);
}

/** regtest subsidy: 50 NMC halving every 150 blocks. */
export function subsidy(height: number): number {
  const halvings = Math.floor(height / 150);
  return halvings >= 64 ? 0 : Math.floor(50e8 / 2 ** halvings);
}

export function makeCoinbase(height: number, fees: number): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, concatBytes(scriptNum(height), Uint8Array.of(0x00)));
  tx.addOutput(MINER_SCRIPT, BigInt(subsidy(height) + fees));
  return tx;
}
