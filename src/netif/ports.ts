// Service ports from the `port` option: `443`, `tcp/443`, `udp/51820` (config/schema.ts reads the option with this).
import type { PortSpec } from './types.ts';

export function parsePortSpec(text: string): PortSpec {
  const m = /^\s*(?:(tcp|udp)\/)?([0-9]{1,5})\s*$/i.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new Error(`port ${JSON.stringify(text)}: expected 1-65535, optionally prefixed tcp/ or udp/ (e.g. 443, tcp/443, udp/51820)`);
  }
  return { proto: (m[1]?.toLowerCase() ?? 'tcp') as PortSpec['proto'], port };
}
