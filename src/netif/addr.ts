// Textual IPv4/IPv6 addresses <-> bytes, and CIDR membership. Pure; no Node `net` because we
// need the bytes (prefix arithmetic, suffixes) and one canonical spelling (RFC 5952) to compare
// addresses across runs and sources.

/** Parse a dotted-quad IPv4 address; null when it is not one. Leading zeros are refused: `010` is octal to some parsers. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parse an IPv6 address (RFC 4291 text forms, embedded IPv4 allowed, `%zone` dropped); null when it is not one. */
export function parseIPv6(input: string): Uint8Array | null {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i] as string;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function formatIPv4(b: Uint8Array): string {
  return Array.from(b.subarray(0, 4)).join('.');
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical spelling of an IPv6 address, or null when the text is not one. */
export function canonicalIPv6(text: string): string | null {
  const b = parseIPv6(text);
  return b ? formatIPv6(b) : null;
}

/** Whether the first `bits` bits of `a` and `b` agree. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (((a[full] as number) ^ (b[full] as number)) & mask) === 0;
}

/** A `addr/len` CIDR as bytes + length; null when malformed. Family follows the address. */
export function parseCidr(text: string): { bytes: Uint8Array; bits: number; family: 4 | 6 } | null {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const v4 = parseIPv4(addr);
  const v6 = v4 ? null : parseIPv6(addr);
  const bytes = v4 ?? v6;
  if (!bytes) return null;
  const max = v4 ? 32 : 128;
  const lenText = slash >= 0 ? text.slice(slash + 1) : String(max);
  if (!/^[0-9]{1,3}$/.test(lenText)) return null;
  const bits = Number(lenText);
  if (bits > max) return null;
  return { bytes, bits, family: v4 ? 4 : 6 };
}
