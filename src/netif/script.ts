// `*_source script`: an executable that prints the addresses, as DyName's address script did.
// Accepted output: a JSON array of strings (`["81.2.69.160","2a02:8100::2a"]`) or one address
// per line (blank lines and `#` comments ignored). Anything else is junk and refused whole:
// a script that prints an error page must not have one of its words published.
import { parseIPv4, parseIPv6 } from './addr.ts';
import { runCapped } from './exec.ts';

export function parseScriptOutput(text: string, what = 'address script'): string[] {
  const t = text.trim();
  let items: unknown[];
  if (t.startsWith('[')) {
    try {
      items = JSON.parse(t) as unknown[];
    } catch {
      throw new Error(`${what}: output starts with "[" but is not a JSON array`);
    }
    if (!Array.isArray(items)) throw new Error(`${what}: expected a JSON array of address strings`);
  } else {
    items = t.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  }
  return items.map((a, i) => {
    if (typeof a !== 'string' || !(parseIPv4(a) || parseIPv6(a))) {
      throw new Error(`${what}: item ${i + 1} ${JSON.stringify(a).slice(0, 60)} is not an IPv4 or IPv6 address; print a JSON array or one address per line`);
    }
    return a;
  });
}

export async function runAddressScript(path: string, timeoutMs: number): Promise<string[]> {
  const what = `address script ${path}`;
  const { stdout } = await runCapped(path, [], { timeoutMs, what, maxOutput: 64 * 1024 });
  return parseScriptOutput(stdout, what);
}
