#!/usr/bin/env node
// Stand-in for /usr/bin/nmcddns, for the LuCI tests only: answers the commands the rpcd plugin
// runs, from files in $FAKE_NMCDDNS_STATE, and records every invocation in calls.log there.
//   status --json   prints status.json as it is
//   check --json    prints check.json
//   setup --json    prints setup.json
//   keygen --json   refuses when hotkey exists (as the real one does); else writes it and prints
//                   the address. With FAKE_NMCDDNS_LEAK=1 it also prints a WIF descriptor, to
//                   prove the plugin never passes one on.
//   update          marks status running, sleeps FAKE_NMCDDNS_RUN_MS (default 1500), then writes
//                   a new lastRun: the long run that "Update now" must not wait for.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FAKE_NMCDDNS_STATE;
if (!dir) {
  process.stderr.write('fake-nmcddns: FAKE_NMCDDNS_STATE is not set\n');
  process.exit(2);
}
const args = process.argv.slice(2);
appendFileSync(join(dir, 'calls.log'), `${process.pid} ${args.join(' ')}\n`);

const statusFile = join(dir, 'status.json');
function writeStatus(st) {
  const tmp = `${statusFile}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(st));
  renameSync(tmp, statusFile);
}

const [cmd] = args;
if (cmd === 'status' || cmd === 'check' || cmd === 'setup') {
  process.stdout.write(readFileSync(join(dir, `${cmd}.json`), 'utf8'));
} else if (cmd === 'keygen') {
  const keyFile = join(dir, 'hotkey');
  if (existsSync(keyFile)) {
    process.stderr.write(`nmcddns: ${keyFile} already exists; refusing to overwrite a hot key\n`);
    process.exit(1);
  }
  const wif = 'wpkh(TfakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFak)';
  writeFileSync(keyFile, `${wif}\n`, { mode: 0o600 });
  const out = { hotAddress: 'nc1qnewhotaddressxxxxxxxxxxxxxxxxxxxxxxxxx' };
  if (process.env.FAKE_NMCDDNS_LEAK === '1') Object.assign(out, { key: wif });
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else if (cmd === 'update') {
  const before = JSON.parse(readFileSync(statusFile, 'utf8'));
  const startedAt = new Date().toISOString();
  writeStatus({ ...before, running: true });
  const ms = Number(process.env.FAKE_NMCDDNS_RUN_MS ?? 1500);
  setTimeout(() => {
    writeStatus({
      ...before,
      running: false,
      lastRun: {
        startedAt,
        finishedAt: new Date().toISOString(),
        action: 'updated',
        reason: `run ${process.pid}: the IPv4 address changed, name_update sent`,
        txid: 'ab'.repeat(32),
        exitCode: 0,
      },
    });
    appendFileSync(join(dir, 'calls.log'), `${process.pid} finished\n`);
  }, ms);
} else {
  process.stderr.write(`nmcddns: unknown command '${cmd}'\n`);
  process.exit(2);
}
