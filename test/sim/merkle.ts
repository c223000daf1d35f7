// Merkle branches the way ElectrumX's lib/merkle.py builds them (Merkle.branch_and_root): pair
// hashes level by level, duplicating the last one on odd levels; branch items deepest first.
// Used for transaction proofs (get_merkle) and for header proofs to a checkpoint (cp_height).
import { sha256 } from '@noble/hashes/sha2';

export function dsha256(b: Uint8Array): Uint8Array {
  return sha256(sha256(b));
}

const toDisplay = (h: Uint8Array): string => Buffer.from(h).reverse().toString('hex');
const fromDisplay = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex').reverse());

/** ceil(log2(count)): Merkle.branch_length. */
export function branchLength(count: number): number {
  let n = 0;
  while (2 ** n < count) n++;
  return n;
}

/** Branch and root over internal-order hashes; index is the leaf's position. */
export function branchAndRoot(leaves: Uint8Array[], index: number): { branch: Uint8Array[]; root: Uint8Array } {
  if (index < 0 || index >= leaves.length) throw new RangeError(`merkle index ${index} out of range`);
  let hashes = [...leaves];
  const branch: Uint8Array[] = [];
  let i = index;
  for (let level = branchLength(leaves.length); level > 0; level--) {
    if (hashes.length & 1) hashes.push(hashes[hashes.length - 1]!);
    branch.push(hashes[i ^ 1]!);
    i >>= 1;
    const next: Uint8Array[] = [];
    for (let n = 0; n < hashes.length; n += 2) {
      const pair = new Uint8Array(64);
      pair.set(hashes[n]!, 0);
      pair.set(hashes[n + 1]!, 32);
      next.push(dsha256(pair));
    }
    hashes = next;
  }
  return { branch, root: hashes[0]! };
}

/** The merkle root of a block's transactions (txids in display hex). */
export function merkleRoot(txids: string[]): Uint8Array {
  return branchAndRoot(txids.map(fromDisplay), 0).root;
}

/** get_merkle's "merkle" list for the tx at `pos` (display hex in, display hex out). */
export function txMerkleBranch(txids: string[], pos: number): string[] {
  return branchAndRoot(txids.map(fromDisplay), pos).branch.map(toDisplay);
}

/** cp_height proof: branch and root over block hashes 0..cp (internal order), leaf = height. */
export function headerMerkleProof(blockHashes: Uint8Array[], height: number): { branch: string[]; root: string } {
  const { branch, root } = branchAndRoot(blockHashes, height);
  return { branch: branch.map(toDisplay), root: toDisplay(root) };
}
