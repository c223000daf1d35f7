// The simulator's decoderawtransaction (what blockchain.transaction.get(txid, true) passes on)
// against namecoind's own, for every raw transaction in the fixtures: nameOp, asm with [ALL]
// sighash decoding, descriptors with checksums, addresses and types, sizes.
import { readdirSync } from 'node:fs';
import { Transaction } from 'bitcoinjs-lib';
import { expect, test } from 'vitest';
import { fixturePath, readFixture, readFixtureJson } from '../helpers/fixtures.ts';
import { PyFloat, pyJson } from '../sim/pyjson.ts';
import { txToJson } from '../sim/verbose.ts';

const cases: [string, string][] = [];
let hexFiles = 0;
for (const dir of readdirSync(fixturePath('regtest'))) {
  let files: string[];
  try {
    files = readdirSync(fixturePath('regtest', dir));
  } catch {
    continue;
  }
  for (const f of files) {
    if (f.endsWith('.hex')) hexFiles++;
    if (f.endsWith('.hex') && files.includes(f.replace(/\.hex$/, '.decoded.json'))) cases.push([dir, f.replace(/\.hex$/, '')]);
  }
}

const plain = (v: unknown): unknown => JSON.parse(pyJson(v)) as unknown;

test('every raw transaction of the fixtures has namecoind\'s decoding beside it', () => {
  expect(cases.length).toBeGreaterThan(40);
  expect(cases.length).toBe(hexFiles);
});

test.each(cases)('%s/%s', (dir, label) => {
  const tx = Transaction.fromHex(readFixture('regtest', dir, `${label}.hex`).trim());
  const ours = txToJson(tx);
  expect(plain(ours)).toEqual(readFixtureJson('regtest', dir, `${label}.decoded.json`));
  // amounts are Python floats on the wire: 0.01, 0.99952, 1.0
  const first = (ours.vout as { value: PyFloat }[])[0]!.value;
  expect(first).toBeInstanceOf(PyFloat);
});
