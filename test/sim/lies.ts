// Rewriting answers for a lying server: the same transaction with another value for one name.
// The txid no longer matches the bytes, which is exactly what a careful client must catch.
import { Transaction } from 'bitcoinjs-lib';
import { buildNameFirstUpdateScript, buildNameUpdateScript, parseNameScript } from '../../src/sign/namescript.ts';

export function rewriteNameValue(rawHex: string, name: string, value: string): string {
  const tx = Transaction.fromHex(rawHex);
  const want = Buffer.from(name, 'utf8');
  const newValue = new Uint8Array(Buffer.from(value, 'utf8'));
  let changed = false;
  for (const out of tx.outs) {
    const ns = parseNameScript(out.script);
    if (ns === null || ns.op === 'name_new' || !want.equals(Buffer.from(ns.name))) continue;
    out.script =
      ns.op === 'name_update'
        ? buildNameUpdateScript(ns.name, newValue, ns.address)
        : buildNameFirstUpdateScript(ns.name, ns.rand, newValue, ns.address);
    changed = true;
  }
  return changed ? tx.toHex() : rawHex;
}
