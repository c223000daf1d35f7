// A tiny "router" file tree to chroot into, so the OpenWrt shell files run at their real
// absolute paths (/etc/hotplug.d/iface/95-nmcddns, /usr/lib/nmcddns/kick, /lib/functions.sh…)
// with no test hooks in them: /bin/sh is dash or busybox ash (OpenWrt's shell), busybox gives
// the applets (sleep, setsid…), our files are installed where the feed Makefile puts them,
// and stand-ins from test/openwrt/stand-ins/ take the place of what only a router has
// (/lib/functions.sh, procd's helpers, hotplug-call, the nmcddns CLI, logger, node).
// chroot needs root (CI runs as root); elsewhere the tests skip loudly.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FILES, STAND_INS, feedInstalls } from './feed.ts';

export type Shell = 'dash' | 'busybox';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** from spawn until the process exited and all its output pipes were closed */
  ms: number;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p.startsWith('/') ? p : undefined;
}

/** Why a router root cannot be built here, or undefined when it can. */
export function routerRootUnavailable(shell: Shell): string | undefined {
  if (process.getuid?.() !== 0) return 'root (for chroot)';
  if (!which('busybox')) return 'busybox (apt-get install busybox)';
  if (shell === 'dash' && !which('dash')) return 'dash';
  if (!which('chroot') || !which('ldd')) return 'chroot and ldd';
  return undefined;
}

/** The shared libraries a dynamically linked binary loads, from ldd. */
function sharedLibs(binary: string): string[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) return []; // statically linked: "not a dynamic executable"
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

export class RouterRoot {
  readonly dir: string;
  readonly shell: Shell;

  constructor(shell: Shell) {
    this.shell = shell;
    this.dir = mkdtempSync(join(tmpdir(), `nmcddns-router-${shell}-`));
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/lib/nmcddns', 'lib/functions', 'etc/config', 'etc/init.d', 'etc/hotplug.d/iface', 'tmp', 'var/run', 'dev']) {
      mkdirSync(join(this.dir, d), { recursive: true });
    }
    chmodSync(join(this.dir, 'tmp'), 0o1777);
    const mknod = spawnSync('mknod', ['-m', '666', join(this.dir, 'dev/null'), 'c', '1', '3']);
    if (mknod.status !== 0) throw new Error(`mknod /dev/null in ${this.dir} failed: ${mknod.stderr}`);

    const busybox = which('busybox');
    if (!busybox) throw new Error('busybox not found');
    this.copyBinary(busybox, '/bin/busybox');
    if (shell === 'dash') {
      const dash = which('dash');
      if (!dash) throw new Error('dash not found');
      this.copyBinary(dash, '/bin/dash');
      symlinkSync('dash', join(this.dir, 'bin/sh'));
    } else {
      symlinkSync('busybox', join(this.dir, 'bin/sh'));
    }
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const applet of applets) {
      const p = join(this.dir, 'bin', applet);
      if (!existsSync(p)) symlinkSync('busybox', p);
    }

    // Our files, where the feed Makefile installs them (the bundle is not needed: the CLI is a
    // stand-in here).
    for (const f of feedInstalls()) {
      if (f.source.kind !== 'files') continue;
      this.install(join(FILES, f.source.name), f.dest, f.mode);
    }
    // What only a router has.
    this.install(join(STAND_INS, 'functions.sh'), '/lib/functions.sh', 0o644);
    this.install(join(STAND_INS, 'procd.sh'), '/lib/functions/procd.sh', 0o644);
    this.install(join(STAND_INS, 'hotplug-call'), '/sbin/hotplug-call', 0o755);
    this.install(join(STAND_INS, 'init-harness'), '/sbin/init-harness', 0o755);
    this.install(join(STAND_INS, 'logger'), '/usr/bin/logger', 0o755);
    this.install(join(STAND_INS, 'nmcddns'), '/usr/bin/nmcddns', 0o755);
  }

  /** Copy a host binary and the libraries it loads to the same paths inside the root. */
  private copyBinary(from: string, to: string): void {
    this.install(from, to, 0o755);
    for (const lib of sharedLibs(from)) {
      const dest = join(this.dir, lib);
      if (existsSync(dest)) continue;
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(lib, dest);
    }
  }

  /** Install a host file at an absolute path inside the root with a mode. */
  install(from: string, to: string, mode: number): void {
    const dest = join(this.dir, to);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(from, dest);
    chmodSync(dest, mode);
  }

  write(path: string, text: string, mode = 0o644): void {
    const dest = join(this.dir, path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, text);
    chmodSync(dest, mode);
  }

  read(path: string): string {
    const p = join(this.dir, path);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  }

  remove(path: string): void {
    rmSync(join(this.dir, path), { force: true, recursive: true });
  }

  /** Start argv inside the root (chroot execs it, so the child's pid is the command's). */
  spawn(argv: string[], env: Record<string, string> = {}) {
    return spawn('chroot', [this.dir, ...argv], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Run argv inside the root and wait until it exited and closed its output. */
  run(argv: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = this.spawn(argv, env);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${argv.join(' ')} in ${this.dir} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
      });
    });
  }

  /**
   * Stop the stand-in runs recorded in a record file that have not ended yet (with their sleep:
   * a run started through setsid leads its own process group).
   */
  stopRuns(record: string): void {
    const lines = this.read(record).split('\n');
    const ended = new Set(lines.filter((l) => l.startsWith('end ')).map((l) => l.split(' ')[1]));
    for (const l of lines) {
      const pid = Number(l.split(' ')[1]);
      if (!l.startsWith('start ') || ended.has(String(pid)) || !Number.isInteger(pid) || pid <= 1) continue;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Poll until check() is true or the time is up; returns the last result. */
export async function eventually(check: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
