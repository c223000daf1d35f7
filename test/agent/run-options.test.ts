import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { netifOptions } from '../../src/run.ts';

const config = (o: Record<string, unknown>) => parseConfigText(JSON.stringify({ name: 'dd/example', ...o }), 'cfg.json').config;

describe('netifOptions: what a run asks of src/netif', () => {
  it('asks for port-mapping leases that outlast the periodic check', () => {
    expect(netifOptions(config({}), undefined).upnpLeaseSeconds).toBe(3600); // check_interval 30
    expect(netifOptions(config({ check_interval: 120 }), undefined).upnpLeaseSeconds).toBe(14400);
    expect(netifOptions(config({ check_interval: 1440 }), undefined).upnpLeaseSeconds).toBe(172800);
  });

  it('passes the sources, ports and the previous IPv6 through', () => {
    const o = netifOptions(config({ ip4_source: 'static', ip4_address: '81.2.69.142', port: ['udp/51820'] }), '3ffe:1900:4545:3:200:f8ff:fe21:67cf');
    expect(o).toMatchObject({ ip4Source: 'static', ip4Address: '81.2.69.142', ports: [{ proto: 'udp', port: 51820 }], previousIp6: '3ffe:1900:4545:3:200:f8ff:fe21:67cf' });
  });
});
