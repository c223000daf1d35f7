// /etc/init.d/nmcddns against a recording stand-in for procd's shell helpers: sourced the way
// rc.common sources it, then start_service and service_triggers, inside a chroot where /bin/sh
// is dash or busybox ash. Proves: the instance, its command and params, and the triggers that
// procd would be told about, for the shipped (disabled) config and for enabled ones; enabled=0
// registers no instance and no interface trigger; a bad check_interval is reported and replaced.
// Also the pieces the instance and the triggers run: the periodic loop (kicks every interval,
// and once when the retry time the agent's writer puts in <state_dir>/retry_at has passed;
// stops at once on SIGTERM, refuses bad arguments), the kick helper (returns at once) and the
// /usr/bin/nmcddns launcher (hands its arguments to node unchanged).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterRoot, eventually, routerRootUnavailable, sleep, type Shell } from './helpers/router-root.ts';
import { STAND_INS, requireOrSkip } from './helpers/feed.ts';
import { join } from 'node:path';
import { RETRY_FILE, writeRetryAt } from '../../src/state/status.ts';

function uci(options: Record<string, string>): string {
  return `config nmcddns 'main'\n${Object.entries(options)
    .map(([k, v]) => `\toption ${k} '${v}'\n`)
    .join('')}`;
}

type Call = string[];

/** The periodic instance's command: the check every SECONDS, first run after 15 s, retry file in state_dir. */
const periodicCommand = (seconds: string, stateDir = '/var/run/nmcddns'): Call => ['procd_set_param', 'command', '/usr/lib/nmcddns/periodic', seconds, '15', `${stateDir}/${RETRY_FILE}`];

for (const shell of ['dash', 'busybox'] as Shell[]) {
  const missing = routerRootUnavailable(shell);
  describe.runIf(requireOrSkip(missing === undefined, `${missing} for the init script tests under ${shell}`))(`init script and helpers under ${shell}`, () => {
    let root: RouterRoot;
    let shipped: string;
    let n = 0;

    beforeAll(() => {
      root = new RouterRoot(shell);
      shipped = root.read('/etc/config/nmcddns');
    });
    afterAll(() => root.cleanup());

    /** start_service + service_triggers with this config; the procd calls and what was logged. */
    async function startWith(config: string | undefined): Promise<{ calls: Call[]; logged: string; stderr: string; code: number | null }> {
      n++;
      if (config === undefined) root.remove('/etc/config/nmcddns');
      else root.write('/etc/config/nmcddns', config, 0o600);
      const r = await root.run(['/sbin/init-harness', '/etc/init.d/nmcddns'], {
        PROCD_RECORD: `/tmp/procd-${n}`,
        LOGGER_RECORD: `/tmp/logger-init-${n}`,
      });
      const calls = root
        .read(`/tmp/procd-${n}`)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'));
      return { calls, logged: root.read(`/tmp/logger-init-${n}`), stderr: r.stderr, code: r.code };
    }

    const instanceCalls = (calls: Call[]) => calls.filter((c) => /^procd_(open|close)_instance$|^procd_set_param$/.test(c[0] ?? ''));
    const triggerCalls = (calls: Call[]) => calls.filter((c) => (c[0] ?? '').startsWith('procd_add_'));

    it('shipped config (enabled 0): no instance, only the config.change reload trigger', async () => {
      const r = await startWith(shipped);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(instanceCalls(r.calls)).toEqual([]);
      expect(triggerCalls(r.calls)).toEqual([['procd_add_reload_trigger', 'nmcddns']]);
    });

    it('no config file at all: the same, and no error', async () => {
      const r = await startWith(undefined);
      expect(r.stderr).toBe('');
      expect(instanceCalls(r.calls)).toEqual([]);
      expect(triggerCalls(r.calls)).toEqual([['procd_add_reload_trigger', 'nmcddns']]);
    });

    it('enabled with defaults: the periodic instance every 30 min, triggers for wan and wan6', async () => {
      const r = await startWith(uci({ enabled: '1', name: 'dd/example' }));
      expect(r.stderr).toBe('');
      expect(instanceCalls(r.calls)).toEqual([
        ['procd_open_instance', 'periodic'],
        periodicCommand('1800'),
        ['procd_set_param', 'file', '/etc/config/nmcddns'],
        ['procd_set_param', 'respawn'],
        ['procd_set_param', 'stdout', '1'],
        ['procd_set_param', 'stderr', '1'],
        ['procd_close_instance'],
      ]);
      expect(triggerCalls(r.calls)).toEqual([
        ['procd_add_reload_trigger', 'nmcddns'],
        ['procd_add_interface_trigger', 'interface.update', 'wan', '/usr/lib/nmcddns/kick'],
        ['procd_add_interface_trigger', 'interface.update', 'wan6', '/usr/lib/nmcddns/kick'],
      ]);
      expect(r.logged).toBe('');
    });

    it('check_interval 5, own interfaces: command says 300 s, one trigger per distinct interface', async () => {
      const r = await startWith(uci({ enabled: '1', check_interval: '5', ip4_interface: 'wanb', ip6_interface: 'wanb' }));
      expect(r.calls).toContainEqual(periodicCommand('300'));
      expect(triggerCalls(r.calls)).toEqual([
        ['procd_add_reload_trigger', 'nmcddns'],
        ['procd_add_interface_trigger', 'interface.update', 'wanb', '/usr/lib/nmcddns/kick'],
      ]);
    });

    it('state_dir set: the periodic loop watches retry_at in that directory', async () => {
      const r = await startWith(uci({ enabled: '1', state_dir: '/tmp/nmcddns-state/' }));
      expect(r.calls).toContainEqual(periodicCommand('1800', '/tmp/nmcddns-state'));
    });

    it('sources that follow no netifd interface get no interface trigger', async () => {
      const r = await startWith(uci({ enabled: '1', ip4_source: 'interface', ip4_interface: 'eth1', ip6_source: 'static', ip6_address: '2001:db8::1' }));
      expect(instanceCalls(r.calls)[0]).toEqual(['procd_open_instance', 'periodic']);
      expect(triggerCalls(r.calls)).toEqual([['procd_add_reload_trigger', 'nmcddns']]);
    });

    it('enabled given as "on" counts (UCI booleans), "0" does not', async () => {
      expect(instanceCalls((await startWith(uci({ enabled: 'on' }))).calls)).not.toEqual([]);
      expect(instanceCalls((await startWith(uci({ enabled: '0', check_interval: '5' }))).calls)).toEqual([]);
    });

    it.each([
      ['05', '300'],
      ['010', '600'],
      ['1440', '86400'],
    ])('check_interval %j (the agent reads it as decimal minutes): command says %s s, nothing logged', async (given, seconds) => {
      const r = await startWith(uci({ enabled: '1', check_interval: given }));
      expect(r.calls).toContainEqual(periodicCommand(seconds));
      expect(r.logged).toBe('');
    });

    it.each(['abc', '0', '000', '1441', '99999999999999999999', '-3', '1.5', ' 5'])('check_interval %j: logged as an error naming the option, 30 min used', async (bad) => {
      const r = await startWith(uci({ enabled: '1', check_interval: bad }));
      expect(r.calls).toContainEqual(periodicCommand('1800'));
      expect(r.logged).toContain('args -t nmcddns -p daemon.err');
      expect(r.logged).toContain(`check_interval '${bad}'`);
      expect(r.logged).toContain('uci set nmcddns.main.check_interval=30');
    });

    it('periodic: kicks a run every interval, ends at once on SIGTERM, and kicks no more', async () => {
      const record = `/tmp/periodic-calls-${shell}`;
      const child = root.spawn(['/usr/lib/nmcddns/periodic', '1', '0'], {
        NMCDDNS_RECORD: record,
        NMCDDNS_STANDIN_SLEEP: '0',
        LOGGER_RECORD: '/tmp/logger-periodic',
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const starts = () => root.read(record).split('\n').filter((l) => l.startsWith('start ')).length;
        expect(await eventually(() => starts() >= 3, 6000)).toBe(true);
        const t0 = performance.now();
        child.kill('SIGTERM');
        const code = await exited;
        const ms = performance.now() - t0;
        console.log(`[${shell}] periodic loop ended ${ms.toFixed(0)} ms after SIGTERM (exit code ${code})`);
        expect(code).toBe(0);
        expect(ms).toBeLessThan(1000);
        const after = starts();
        await sleep(1500);
        expect(starts()).toBe(after);
      } finally {
        child.kill('SIGKILL');
      }
    }, 15_000);

    it('periodic: kicks as soon as the retry time in retry_at has passed, once per time, between checks', async () => {
      const record = `/tmp/periodic-retry-${shell}`;
      // Written by the agent's own writer (src/state/status.ts), in the default state_dir.
      const retryFile = `/var/run/nmcddns/${RETRY_FILE}`;
      const retryAt = (ms: number | null) => writeRetryAt(join(root.dir, 'var/run/nmcddns'), ms);
      retryAt(null);
      // A check interval far beyond the test: every kick after the first comes from retry_at.
      const child = root.spawn(['/usr/lib/nmcddns/periodic', '3600', '0', retryFile, '1'], { NMCDDNS_RECORD: record, NMCDDNS_STANDIN_SLEEP: '0' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const starts = () => root.read(record).split('\n').filter((l) => l.startsWith('start ')).length;
      try {
        expect(await eventually(() => starts() === 1, 3000)).toBe(true); // the first check
        // Garbage and a time still to come: no kick.
        root.write(retryFile, 'soon\n');
        await sleep(1500);
        retryAt(Date.now() + 2500);
        await sleep(1500);
        expect(starts()).toBe(1);
        // The time passes: one kick within a tick or two, and none again for the same time.
        const due = Date.now() + 1500;
        expect(await eventually(() => starts() === 2, 4000)).toBe(true);
        expect(Date.now()).toBeGreaterThanOrEqual(due - 1000);
        await sleep(2500);
        expect(starts()).toBe(2);
        // A new due time (the agent held the next run back again) kicks again; the file gone, nothing.
        retryAt(Date.now());
        expect(await eventually(() => starts() === 3, 3000)).toBe(true);
        retryAt(null);
        expect(root.read(retryFile)).toBe('');
        await sleep(2000);
        expect(starts()).toBe(3);
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(stderr).toBe('');
      } finally {
        child.kill('SIGKILL');
        root.remove(retryFile);
      }
    }, 25_000);

    it('periodic: a retry time already past when a check kicks is served by that run, not kicked again', async () => {
      const record = `/tmp/periodic-retry-past-${shell}`;
      const retryFile = `/var/run/nmcddns/${RETRY_FILE}`;
      writeRetryAt(join(root.dir, 'var/run/nmcddns'), Date.now() - 60_000);
      const child = root.spawn(['/usr/lib/nmcddns/periodic', '3600', '0', retryFile, '1'], { NMCDDNS_RECORD: record, NMCDDNS_STANDIN_SLEEP: '0' });
      const starts = () => root.read(record).split('\n').filter((l) => l.startsWith('start ')).length;
      try {
        expect(await eventually(() => starts() === 1, 3000)).toBe(true);
        await sleep(3000);
        expect(starts()).toBe(1);
      } finally {
        child.kill('SIGKILL');
        root.remove(retryFile);
      }
    }, 15_000);

    it.each([[['abc']], [['0']], [['60', 'soon']], [['60', '15', '/var/run/nmcddns/retry_at', '0']], [[]]])('periodic %j: refuses with exit 2 and says what is wrong', async (args) => {
      const r = await root.run(['/usr/lib/nmcddns/periodic', ...args], { NMCDDNS_RECORD: '/tmp/periodic-bad' });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/nmcddns periodic: .*(usage|at least 1 second)/);
      expect(root.read('/tmp/periodic-bad')).toBe('');
    });

    it('kick: returns at once, the run goes on detached', async () => {
      const record = `/tmp/kick-calls-${shell}`;
      const r = await root.run(['/usr/lib/nmcddns/kick'], { NMCDDNS_RECORD: record, NMCDDNS_STANDIN_SLEEP: '5', LOGGER_RECORD: '/tmp/logger-kick' });
      console.log(`[${shell}] kick returned after ${r.ms.toFixed(0)} ms`);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
      expect(r.ms).toBeLessThan(1000);
      expect(await eventually(() => root.read(record).includes('start '), 3000)).toBe(true);
      expect(root.read(record)).not.toContain('end ');
      root.stopRuns(record);
    });

    it('kick without logger and setsid (a minimal busybox): still returns at once and starts the run', async () => {
      const bare = new RouterRoot(shell);
      const record = '/tmp/kick-bare';
      try {
        for (const p of ['/usr/bin/logger', '/bin/logger', '/bin/setsid']) bare.remove(p);
        const r = await bare.run(['/usr/lib/nmcddns/kick'], { NMCDDNS_RECORD: record, NMCDDNS_STANDIN_SLEEP: '5' });
        console.log(`[${shell}] kick without logger/setsid returned after ${r.ms.toFixed(0)} ms`);
        expect(r.code).toBe(0);
        expect(r.stdout + r.stderr).toBe('');
        expect(r.ms).toBeLessThan(1000);
        expect(await eventually(() => bare.read(record).includes('start '), 3000)).toBe(true);
        expect(bare.read(record)).not.toContain('end ');
      } finally {
        bare.stopRuns(record);
        bare.cleanup();
      }
    });

    it('launcher: execs node with the bundle and every argument unchanged, and passes its exit code', async () => {
      const launcherRoot = new RouterRoot(shell);
      try {
        launcherRoot.install(join(STAND_INS, '..', '..', '..', 'openwrt', 'nmcddns', 'files', 'nmcddns.launcher'), '/usr/bin/nmcddns', 0o755);
        const noNode = await launcherRoot.run(['/usr/bin/nmcddns', '--version']);
        expect(noNode.code).toBe(127);
        expect(noNode.stderr).toContain("'node' was not found");
        expect(noNode.stderr).toContain('opkg install node');

        launcherRoot.install(join(STAND_INS, 'node'), '/usr/bin/node', 0o755);
        const r = await launcherRoot.run(['/usr/bin/nmcddns', '--config', '/tmp/my config', 'update', '--json', ''], { NODE_STANDIN_EXIT: '3' });
        expect(r.code).toBe(3);
        expect(r.stdout).toBe(['node-argv-begin', '/usr/lib/nmcddns/nmcddns.mjs', '--config', '/tmp/my config', 'update', '--json', '', 'node-argv-end', ''].join('\n'));
      } finally {
        launcherRoot.cleanup();
      }
    });
  });
}
