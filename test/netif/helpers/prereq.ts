// Gate for tests that need root, network namespaces and Debian's miniupnpd. Off CI a missing
// prerequisite skips loudly; under CI=true it is a failing test, never a silent skip.
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

export function missingPrereqs(tools: string[]): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces need CAP_NET_ADMIN)');
  for (const t of tools) {
    const r = spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t} || test -x /sbin/${t}`], { encoding: 'utf8' });
    if (r.status !== 0) missing.push(`${t} (apt-get install ${t === 'miniupnpd' ? 'miniupnpd-nftables' : t === 'ip' ? 'iproute2' : t === 'nft' ? 'nftables' : t})`);
  }
  if (missing.length === 0) {
    const probe = `nmdprobe${process.pid}`;
    const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
    if (add.status !== 0) missing.push(`permission to create network namespaces (${add.stderr.trim()})`);
    else spawnSync('ip', ['netns', 'del', probe]);
  }
  return missing;
}

/** `describe` that runs only when the prerequisites are there (and fails under CI when not). */
export function describeWithPrereqs(name: string, tools: string[], body: () => void): void {
  const missing = missingPrereqs(tools);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const msg = `${name}: missing ${missing.join(', ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its prerequisites (CI=true: a skip is a failure)', () => {
        throw new Error(msg);
      });
    });
  } else {
    console.warn(`\n!!!!!!!! SKIPPING ${msg} !!!!!!!!\n`);
    describe.skip(name, body);
  }
}
