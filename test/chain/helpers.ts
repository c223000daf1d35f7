// Setup shared by the chain tests that run sessions against the simulator: the one hot key and
// name they look up, the transport timeouts sized for a busy 2-core machine, throwaway pin files
// and the ChainError catcher. One copy, so the files cannot drift apart on what "the example
// name at the hot address" or "fast enough" means.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ChainError } from '../../src/chain/errors.ts';
import { hotKeyFromWif, hotScript } from '../../src/sign/keys.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { rejectedWith } from '../helpers/thrown.ts';
import type { Simulator } from '../sim/index.ts';

export const regtest = getNetwork('regtest');
export const key = hotKeyFromWif('cTcpidRjJoBS9sh4VHjGDygfhgWiDDYvknPiY7Xxf7jxmJazB7D1', regtest, 'p2wpkh');
export const HOT = hotScript(key);
export const NAME = 'dd/example';
export const query = { name: NAME, hotScript: HOT, network: regtest };
// Generous enough for the simulator's signature checks (bitcore) on a busy 2-core machine.
export const FAST = { connectTimeoutMs: 2000, requestTimeoutMs: 5000, pingIntervalMs: 0, runTimeoutMs: 20_000 };

/** Puts dd/example at the hot address and one 1 NMC confirmed fee coin on the simulator's chain. */
export function holdExample(s: Simulator): void {
  s.chain.registerName(NAME, '{"ip":"192.0.2.1"}', HOT);
  s.chain.fund(HOT, 100_000_000, { confirm: true });
}

/**
 * A maker of fresh pin-file paths, each in its own temp dir named `prefix…`; the dirs are
 * removed after the calling test file. Call it at the top level of a test file.
 */
export function tempPinFiles(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return join(dir, 'pins.json');
  };
}

/** Awaits `p`, expects it to reject with a ChainError and returns that error. */
export const chainError = (p: Promise<unknown>): Promise<ChainError> => rejectedWith(ChainError, p);
