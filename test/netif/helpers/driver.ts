// Runs inside a test namespace (bundled by esbuild): one netif operation from argv[2] as JSON
// {op, args}, one JSON line out {ok, result | error, ms}. Kept thin: the logic under test is
// src/netif itself.
import { checkReachability, removeMappings } from '../../../src/netif/index.ts';
import {
  addPortMapping,
  fetchDeviceDescription,
  getExternalIPAddress,
  getSpecificPortMappingEntry,
  getStatusInfo,
  UpnpError,
} from '../../../src/netif/igd.ts';
import { natpmpExternalAddress, natpmpMap } from '../../../src/netif/natpmp.ts';
import { discoverIGD } from '../../../src/netif/ssdp.ts';
import { findIgd } from '../../../src/netif/upstream.ts';

// The driver trusts its caller (the test) for argument shapes; the code under test validates.
type Args = Record<string, any>;

const ops: Record<string, (a: Args) => Promise<unknown>> = {
  check: (a) => checkReachability(a as Parameters<typeof checkReachability>[0]),
  remove: (a) => removeMappings(a.mappings, { timeoutMs: a.timeoutMs }),
  discover: (a) => discoverIGD(a as Parameters<typeof discoverIGD>[0]),
  describe: (a) => fetchDeviceDescription(a.location, a.timeoutMs ?? 3000),
  findIgd: (a) => findIgd(a as Parameters<typeof findIgd>[0]),
  status: async (a) => {
    const igd = await fetchDeviceDescription(a.location, 3000);
    return {
      status: await getStatusInfo(igd.connection, 3000),
      external: await getExternalIPAddress(igd.connection, 3000),
    };
  },
  addMapping: async (a) => {
    const igd = await fetchDeviceDescription(a.location, 3000);
    try {
      await addPortMapping(igd.connection, a.mapping, 3000);
      return { added: true };
    } catch (e) {
      if (e instanceof UpnpError) return { added: false, code: e.code, message: e.message };
      throw e;
    }
  },
  getEntry: async (a) => {
    const igd = await fetchDeviceDescription(a.location, 3000);
    return getSpecificPortMappingEntry(igd.connection, a.proto, a.port, 3000);
  },
  natpmpExternal: (a) => natpmpExternalAddress(a.gateway, { timeoutMs: a.timeoutMs ?? 3000 }),
  natpmpMap: (a) => natpmpMap(a.gateway, a.proto, a.internalPort, a.externalPort, a.lifetime, { timeoutMs: a.timeoutMs ?? 3000 }),
};

const t0 = Date.now();
const { op, args } = JSON.parse(process.argv[2] ?? '{}') as { op: string; args: Args };
const fn = ops[op];
try {
  if (!fn) throw new Error(`driver: unknown op ${op}`);
  const result = await fn(args);
  process.stdout.write(`${JSON.stringify({ ok: true, result, ms: Date.now() - t0 })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message, ms: Date.now() - t0 })}\n`);
}
