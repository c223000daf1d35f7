// /proc/net/if_inet6: one line per IPv6 address (Linux net/ipv6/addrconf.c if6_seq_show):
//   <32 hex address> <ifindex hex> <prefix len hex> <scope hex> <flags hex> <device>
// e.g. `2a0affff001000000000000000000200 03 40 00 22       v0` = deprecated|nodad.
// Current kernels print only the low 8 flag bits (reference openwrt-upnp.md §4.3), which hold
// everything the IPv6 choice needs.
import { readFile } from 'node:fs/promises';
import { formatIPv6 } from './addr.ts';

export const IFA_F = {
  TEMPORARY: 0x01,
  NODAD: 0x02,
  OPTIMISTIC: 0x04,
  DADFAILED: 0x08,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
} as const;

export interface IfInet6Entry {
  address: string;
  ifindex: number;
  prefixLen: number;
  /** 0x00 global, 0x10 host, 0x20 link, 0x40 site (ULAs show 0x00 too). */
  scope: number;
  flags: number;
  device: string;
  temporary: boolean;
  deprecated: boolean;
  tentative: boolean;
  dadFailed: boolean;
  permanent: boolean;
}

export function parseIfInet6(text: string, source = '/proc/net/if_inet6'): IfInet6Entry[] {
  const out: IfInet6Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const f = line.split(/\s+/);
    const [hex, ifindex, plen, scope, flags, device] = f;
    if (
      f.length !== 6 ||
      !/^[0-9a-f]{32}$/i.test(hex ?? '') ||
      ![ifindex, plen, scope, flags].every((x) => /^[0-9a-f]{1,8}$/i.test(x ?? ''))
    ) {
      throw new Error(`${source} line ${i + 1}: not an if_inet6 entry: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const bytes = new Uint8Array(16);
    for (let k = 0; k < 16; k++) bytes[k] = parseInt((hex as string).slice(2 * k, 2 * k + 2), 16);
    const fl = parseInt(flags as string, 16);
    const prefixLen = parseInt(plen as string, 16);
    if (prefixLen > 128) throw new Error(`${source} line ${i + 1}: prefix length ${prefixLen} > 128`);
    out.push({
      address: formatIPv6(bytes),
      ifindex: parseInt(ifindex as string, 16),
      prefixLen,
      scope: parseInt(scope as string, 16),
      flags: fl,
      device: device as string,
      temporary: (fl & IFA_F.TEMPORARY) !== 0,
      deprecated: (fl & IFA_F.DEPRECATED) !== 0,
      tentative: (fl & IFA_F.TENTATIVE) !== 0,
      dadFailed: (fl & IFA_F.DADFAILED) !== 0,
      permanent: (fl & IFA_F.PERMANENT) !== 0,
    });
  });
  return out;
}

export async function readIfInet6(path = '/proc/net/if_inet6'): Promise<IfInet6Entry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path} (IPv6 disabled, or not Linux?): ${(e as Error).message}`);
  }
  return parseIfInet6(text, path);
}
