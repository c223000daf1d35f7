// The hotplug hook /etc/hotplug.d/iface/95-nmcddns, sourced by a stand-in /sbin/hotplug-call
// exactly as netifd's `hotplug-call iface` does (every hook in its own subshell, with ACTION,
// INTERFACE, DEVICE, IFUPDATE_* in the environment), inside a chroot where /bin/sh is dash or
// busybox ash. The real kick helper starts a stand-in nmcddns that records its call and takes
// 5 s. Proves: a run starts for the watched interfaces on ifup and on an address/prefix
// ifupdate, for nothing else; the hook returns well under a second although the run goes on;
// the run's output reaches syslog (logger) with the tag nmcddns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterRoot, eventually, routerRootUnavailable, sleep, type Shell } from './helpers/router-root.ts';
import { requireOrSkip } from './helpers/feed.ts';

function uci(options: Record<string, string>): string {
  return `config nmcddns 'main'\n${Object.entries(options)
    .map(([k, v]) => `\toption ${k} '${v}'\n`)
    .join('')}`;
}

interface Case {
  what: string;
  config: string | undefined; // undefined: no /etc/config/nmcddns at all
  env: Record<string, string>;
  runs: boolean;
}

const ENABLED = uci({ enabled: '1', name: 'dd/example' });

const CASES: Case[] = [
  { what: 'ifup of ip4_interface (default wan)', config: ENABLED, env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: true },
  { what: 'ifup of ip6_interface (default wan6)', config: ENABLED, env: { ACTION: 'ifup', INTERFACE: 'wan6', DEVICE: 'eth1' }, runs: true },
  { what: 'ifupdate of wan with IFUPDATE_ADDRESSES=1', config: ENABLED, env: { ACTION: 'ifupdate', INTERFACE: 'wan', DEVICE: 'eth1', IFUPDATE_ADDRESSES: '1', IFUPDATE_ROUTES: '1' }, runs: true },
  { what: 'ifupdate of wan6 with IFUPDATE_PREFIXES=1', config: ENABLED, env: { ACTION: 'ifupdate', INTERFACE: 'wan6', DEVICE: 'eth1', IFUPDATE_PREFIXES: '1' }, runs: true },
  { what: "ifup of PPPoE's IPv6 child when ip6_interface is wan_6", config: uci({ enabled: '1', ip4_interface: 'wan', ip6_interface: 'wan_6' }), env: { ACTION: 'ifup', INTERFACE: 'wan_6', DEVICE: 'pppoe-wan' }, runs: true },
  { what: 'ifup of the Linux device named by ip4_interface when ip4_source is interface', config: uci({ enabled: '1', ip4_source: 'interface', ip4_interface: 'eth9', ip6_source: 'none' }), env: { ACTION: 'ifup', INTERFACE: 'wanx', DEVICE: 'eth9' }, runs: true },

  { what: 'ifup of wan with an unnamed nmcddns section after a section of another type', config: "config globals 'g'\n\toption enabled '0'\nconfig nmcddns\n\toption enabled '1'\n", env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: true },

  { what: 'ifup of another interface (lan)', config: ENABLED, env: { ACTION: 'ifup', INTERFACE: 'lan', DEVICE: 'br-lan' }, runs: false },
  { what: 'ifdown of wan', config: ENABLED, env: { ACTION: 'ifdown', INTERFACE: 'wan' }, runs: false },
  { what: 'ifup-failed of wan', config: ENABLED, env: { ACTION: 'ifup-failed', INTERFACE: 'wan' }, runs: false },
  { what: 'ifupdate of wan with only routes and data changed', config: ENABLED, env: { ACTION: 'ifupdate', INTERFACE: 'wan', DEVICE: 'eth1', IFUPDATE_ROUTES: '1', IFUPDATE_DATA: '1' }, runs: false },
  { what: 'ifupdate of wan with no change flags', config: ENABLED, env: { ACTION: 'ifupdate', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of wan with enabled=0', config: uci({ enabled: '0', name: 'dd/example' }), env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of wan with the shipped default config (disabled)', config: 'DEFAULT', env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of wan with no /etc/config/nmcddns', config: undefined, env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of wan when ip4_source is static and ip6_source none', config: uci({ enabled: '1', ip4_source: 'static', ip4_address: '5.5.5.5', ip6_source: 'none' }), env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of wan when ip4_interface names another interface', config: uci({ enabled: '1', ip4_interface: 'wanb', ip6_source: 'none' }), env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of wan when the first nmcddns section (the one the agent reads) is disabled and a second enabled', config: `${uci({ enabled: '0' })}config nmcddns 'other'\n\toption enabled '1'\n`, env: { ACTION: 'ifup', INTERFACE: 'wan', DEVICE: 'eth1' }, runs: false },
  { what: 'ifup of eth9 as INTERFACE when ip4_source is interface (devices match DEVICE only)', config: uci({ enabled: '1', ip4_source: 'interface', ip4_interface: 'eth9', ip6_source: 'none' }), env: { ACTION: 'ifup', INTERFACE: 'eth9', DEVICE: 'eth1' }, runs: false },
];

for (const shell of ['dash', 'busybox'] as Shell[]) {
  const missing = routerRootUnavailable(shell);
  describe.runIf(requireOrSkip(missing === undefined, `${missing} for the hotplug tests under ${shell}`))(`hotplug hook under ${shell}`, () => {
    let root: RouterRoot;
    const results: { c: Case; record: string; ms: number; endedBeforeReturn: boolean; stderr: string }[] = [];

    beforeAll(async () => {
      root = new RouterRoot(shell);
      const shipped = root.read('/etc/config/nmcddns'); // installed from files/nmcddns.config
      // One event after the other, like netifd's queue; each with its own record file.
      for (const [i, c] of CASES.entries()) {
        const record = `/tmp/calls-${i}`;
        if (c.config === undefined) root.remove('/etc/config/nmcddns');
        else root.write('/etc/config/nmcddns', c.config === 'DEFAULT' ? shipped : c.config, 0o600);
        const r = await root.run(['/sbin/hotplug-call', 'iface'], {
          ...c.env,
          NMCDDNS_RECORD: record,
          NMCDDNS_STANDIN_SLEEP: '5',
          LOGGER_RECORD: `/tmp/logger-${i}`,
        });
        results.push({ c, record, ms: r.ms, endedBeforeReturn: root.read(record).includes('end '), stderr: r.stderr });
      }
      // A kicked run may start a moment after the hook returned: give the negatives time to show.
      await eventually(() => results.every((r) => !r.c.runs || root.read(r.record).includes('start ')), 3000);
      await sleep(700);
    }, 60_000);

    afterAll(() => {
      for (const r of results) root.stopRuns(r.record);
      root.cleanup();
    });

    it.each(CASES.map((c, i) => [c.what, c.runs, i] as const))('%s -> run started: %s', (_what, runs, i) => {
      const r = results[i];
      expect(r).toBeDefined();
      if (!r) return;
      expect(r.stderr).toBe('');
      const starts = root.read(r.record).split('\n').filter((l) => l.startsWith('start '));
      if (runs) {
        expect(starts).toHaveLength(1);
        expect(starts[0]).toMatch(/^start \d+ update$/);
      } else {
        expect(starts).toEqual([]);
      }
    });

    it('returns at once although the run it started takes 5 s', () => {
      const started = results.filter((r) => r.c.runs);
      expect(started.length).toBeGreaterThan(0);
      for (const r of started) {
        console.log(`[${shell}] hotplug-call iface (${r.c.what}) returned after ${r.ms.toFixed(0)} ms`);
        expect(r.endedBeforeReturn).toBe(false);
        expect(r.ms).toBeLessThan(1000);
      }
    });

    it("sends the run's output to syslog with the tag nmcddns", async () => {
      const i = results.findIndex((r) => r.c.runs);
      expect(await eventually(() => root.read(`/tmp/logger-${i}`).includes('says hello'), 3000)).toBe(true);
      const log = root.read(`/tmp/logger-${i}`);
      expect(log).toContain('args -t nmcddns');
      expect(log).toContain('line [nmcddns] stand-in run update says hello');
    });
  });
}
