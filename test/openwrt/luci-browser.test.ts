// The status page in headless Chromium (Debian's /usr/bin/chromium via playwright-core): the real
// view file, loaded by a stand-in for LuCI's runtime (luci-fixtures/luci-standin.js) from a
// loopback HTTP server whose /ubus endpoint enforces the app's acl.d and runs the real rpcd plugin
// as a process for every call, the plugin in turn running the stand-in CLI (or the real one).
// So a click on "Update now" goes page → ubus JSON-RPC → luci.nmcddns → `nmcddns update`.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyStatus, writeStatus, type StatusCache } from '../../src/state/status.ts';
import { jsonOrUndefined } from '../helpers/child.ts';
import { ACL_FILE, FAKE_CLI, HTDOCS, LUCI_FIXTURES, RPCD_PLUGIN, realCli, realCliWrapper } from './luci-fixtures/views.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = process.env.NMCDDNS_TEST_OUTPUT ?? join(tmpdir(), 'nmcddns-test-output');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} missing under CI: apt-get install chromium`);
  console.warn(`\n*** SKIPPED: LuCI page tests need ${CHROMIUM} (apt-get install chromium) ***\n`);
}

interface UbusCall {
  object: string;
  method: string;
  at: number;
  ms: number;
  denied: boolean;
}

type Acl = Record<string, { read?: { ubus?: Record<string, string[]> }; write?: { ubus?: Record<string, string[]> } }>;

/**
 * The methods a session holding the app's ACL group may call: read and write for an admin,
 * read only for a user given only the group's read rights.
 */
function aclGrants(readOnly: boolean): Set<string> {
  const acl = JSON.parse(readFileSync(ACL_FILE, 'utf8')) as Acl;
  const out = new Set<string>();
  for (const g of Object.values(acl))
    for (const side of readOnly ? [g.read] : [g.read, g.write])
      for (const [obj, methods] of Object.entries(side?.ubus ?? {})) for (const m of methods) out.add(`${obj}.${m}`);
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'nmcddns-luci-web-'));
let state = '';
let readOnlySession = false;
/** The CLI the plugin runs in the current test: the stand-in, or a wrapper around the real one. */
let cliBin = FAKE_CLI;
let server: Server;
let base = '';
let context: BrowserContext | undefined;
const ubusCalls: UbusCall[] = [];

/** Run the real plugin the way rpcd does: `call <method>`, arguments as JSON on stdin. */
function callPlugin(method: string, args: unknown): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', [RPCD_PLUGIN, 'call', method], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NMCDDNS_BIN: cliBin, FAKE_NMCDDNS_STATE: state, FAKE_NMCDDNS_RUN_MS: '3000' },
    });
    let stdout = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout }));
    p.stdin.end(JSON.stringify(args ?? {}));
  });
}

async function ubus(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const batch = JSON.parse(body) as { id: number; method: string; params: [string, string, string, unknown] }[];
  const grants = aclGrants(readOnlySession);
  const replies = [];
  for (const r of batch) {
    const [, object, method, args] = r.params;
    const t0 = performance.now();
    const call: UbusCall = { object, method, at: Date.now(), ms: 0, denied: false };
    ubusCalls.push(call);
    if (r.method !== 'call' || !grants.has(`${object}.${method}`)) {
      // What rpcd answers when the session's ACL lacks the method.
      call.denied = true;
      replies.push({ jsonrpc: '2.0', id: r.id, error: { code: -32002, message: 'Access denied' } });
      continue;
    }
    const out = await callPlugin(method, args);
    call.ms = performance.now() - t0;
    const parsed: unknown = jsonOrUndefined(out.stdout);
    // rpcd (plugin.c rpc_plugin_call_finish_cb) ignores the exit code and takes the first JSON
    // value on stdout; anything but an object is UBUS_STATUS_INVALID_ARGUMENT (2).
    replies.push({ jsonrpc: '2.0', id: r.id, result: parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? [0, parsed] : [2] });
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(replies));
}

function serveFile(res: ServerResponse, file: string, type: string): void {
  if (!existsSync(file)) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(readFileSync(file));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/ubus/') {
    ubus(req, res).catch((e: unknown) => res.writeHead(500).end(String(e)));
  } else if (url.pathname === '/') {
    serveFile(res, join(LUCI_FIXTURES, 'index.html'), 'text/html; charset=utf-8');
  } else if (url.pathname === '/standin/luci.js') {
    serveFile(res, join(LUCI_FIXTURES, 'luci-standin.js'), 'application/javascript');
  } else if (url.pathname.startsWith('/luci-static/')) {
    const file = normalize(join(HTDOCS, url.pathname));
    if (!file.startsWith(HTDOCS + sep)) res.writeHead(403).end();
    else serveFile(res, file, 'application/javascript');
  } else {
    res.writeHead(404).end('not found');
  }
}

function setStatus(st: unknown): void {
  writeFileSync(join(state, 'status.json'), typeof st === 'string' ? st : JSON.stringify(st));
}
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(LUCI_FIXTURES, name), 'utf8')) as Record<string, unknown>;

const real = realCli();

/**
 * Switch the plugin to the real CLI (a wrapper with a regtest test config; `update` still goes to
 * the stand-in), with `state` pointing at the agent's state_dir so the stand-in run rewrites the
 * agent's own status cache.
 */
function useRealCli(extra: Record<string, string> = {}): ReturnType<typeof realCliWrapper> {
  const w = realCliWrapper(mkdtempSync(join(scratch, 'real-')), real.bundle, extra);
  cliBin = w.bin;
  state = w.stateDir;
  return w;
}

function runCli(bin: string, ...args: string[]): Record<string, unknown> {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  expect(r.stdout.startsWith('{'), `${args.join(' ')}: ${r.stderr}`).toBe(true);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function openStatusPage(): Promise<Page> {
  const page = await context!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-view-ready]');
  expect(await page.getAttribute('body', 'data-view-ready'), (await page.textContent('#view')) ?? '').toBe('1');
  expect(errors).toEqual([]);
  return page;
}

const field = (page: Page, name: string): Promise<string> => page.innerText(`#nmcddns-status tr[data-field="${name}"] > td:last-child`);

async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = join(OUTPUT_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
  return file;
}

// Chromium, the real rpcd plugin and the CLI all start processes: on a loaded 2-core CI a page
// step can take seconds, so waits are generous and bounds are relative to the 3 s stand-in run.
describe.runIf(haveChromium)('LuCI status page in headless Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    server = createServer(handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    context = await chromium.launchPersistentContext(mkdtempSync(join(scratch, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1100, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((r) => server?.close(r));
    // Let the last detached stand-in runs finish writing before the directory goes.
    await new Promise((r) => setTimeout(r, 200));
    rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => {
    cliBin = FAKE_CLI;
    readOnlySession = false;
    state = mkdtempSync(join(scratch, 'state-'));
    for (const f of ['status.json', 'check.json', 'setup.json']) copyFileSync(join(LUCI_FIXTURES, f), join(state, f));
    ubusCalls.length = 0;
  });

  it('shows name, addresses, expiry and funds, and "Update now" starts a run and shows its result', async () => {
    const hand = fixture('status.json') as unknown as StatusCache & { funds: NonNullable<StatusCache['funds']>; chain: NonNullable<StatusCache['chain']> };
    let st: Record<string, unknown>;
    if (real.available) {
      // The real `status --json`, over a status cache the agent's own writer lays down with the
      // sample's observations (a real run needs Electrum servers; the sim tests cover those).
      const w = useRealCli();
      const hot = runCli(w.bin, 'keygen', '--json').hotAddress as string;
      writeStatus(w.stateDir, { ...emptyStatus('dd/example', 'regtest', hot), lastRun: hand.lastRun, lastBroadcast: hand.lastBroadcast, addresses: hand.addresses, value: hand.chain.value, chain: hand.chain, funds: hand.funds });
      st = runCli(w.bin, 'status', '--json');
      console.log('status page fed from: the real CLI (node dist/nmcddns.mjs status --json)');
    } else {
      st = hand as unknown as Record<string, unknown>;
      setStatus(st);
      console.log('status page fed from: hand-written luci-fixtures/status.json');
    }
    const page = await openStatusPage();
    const chain = st.chain as { expiresIn: number; value: string };
    const addrs = st.addresses as Record<'ipv4' | 'ipv6', { address: string; via: string; reason: string }>;
    const funds = st.funds as { feeCoins: number; updatesLeft: number; balanceSat: number };

    expect(await field(page, 'name')).toBe(st.name);
    expect(await field(page, 'hotAddress')).toBe(st.hotAddress);
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const text = await field(page, fam);
      expect(text).toContain(addrs[fam].address);
      expect(text).toContain(addrs[fam].via);
      expect(text).toContain(addrs[fam].reason);
    }
    const days = Math.round((chain.expiresIn * 10) / (60 * 24));
    expect(await field(page, 'expiresIn')).toBe(`${chain.expiresIn} blocks (about ${days} days)`);
    expect(await field(page, 'value')).toContain(chain.value);
    expect(await field(page, 'pending')).toContain('none');
    const sent = st.lastBroadcast as { txid: string } | null;
    expect(sent).not.toBeNull();
    expect(await field(page, 'lastBroadcast')).toContain(sent!.txid);
    expect(await field(page, 'feeCoins')).toContain(String(funds.feeCoins));
    expect(await field(page, 'updatesLeft')).toContain(String(funds.updatesLeft));
    expect(await field(page, 'balance')).toContain(`${funds.balanceSat / 1e8} NMC`);
    expect(await field(page, 'action')).toBe((st.lastRun as { action: string }).action);
    await screenshot(page, 'luci-status-before-update.png');

    const statusReadsBefore = ubusCalls.filter((c) => c.method === 'status').length;
    await page.click('#nmcddns-update');
    await page.waitForSelector('#nmcddns-busy:has-text("Update running")');
    // The run takes 3 s; the page learns its outcome by re-reading status, not from update.
    // (Browser-side code as strings: this file is type-checked without the DOM library.)
    await page.waitForFunction(`document.querySelector('tr[data-field="action"] > td:last-child')?.textContent === 'updated'`, null, { timeout: 60_000 });
    const update = ubusCalls.filter((c) => c.method === 'update');
    expect(update).toHaveLength(1);
    expect(update[0]!.ms).toBeLessThan(3000); // returned before the 3 s run could have finished
    const reads = ubusCalls.filter((c) => c.method === 'status' && c.at > update[0]!.at);
    expect(reads.length).toBeGreaterThanOrEqual(2); // at least once while running, once after
    expect(ubusCalls.filter((c) => c.method === 'status').length).toBeGreaterThan(statusReadsBefore);

    // The new lastRun is the one this click started: its reason names the run's pid.
    const runPid = /^(\d+) update$/m.exec(readFileSync(join(state, 'calls.log'), 'utf8'))?.[1];
    if (real.available) expect(runCli(cliBin, 'status', '--json').lastRun).toMatchObject({ action: 'updated', reason: expect.stringContaining(`run ${runPid}:`) });
    expect(runPid).toBeDefined();
    expect(await field(page, 'reason')).toBe(`run ${runPid}: the IPv4 address changed, name_update sent`);
    expect(await field(page, 'txid')).toBe('ab'.repeat(32));
    expect(await page.innerText('#notifications')).toContain('Run finished: updated.');
    expect(await page.innerText('#nmcddns-busy')).toBe('');
    expect(await page.isEnabled('#nmcddns-update')).toBe(true);
    expect(ubusCalls.filter((c) => c.denied)).toEqual([]);
    await screenshot(page, 'luci-status-after-update.png');
    await page.close();
  });

  it('renders a never-run agent (every field null) without "null"/"undefined", and key setup never shows the key', async () => {
    let status: Record<string, unknown>;
    let w: ReturnType<typeof realCliWrapper> | undefined;
    if (real.available) {
      w = useRealCli();
      status = runCli(w.bin, 'status', '--json');
      console.log('never-run page fed from: the real CLI (no key, no run)');
    } else {
      status = fixture('never-run-status.json');
      setStatus(status);
      console.log('never-run page fed from: hand-written luci-fixtures/never-run-status.json');
    }
    expect(status.hotAddress).toBeNull();
    const page = await openStatusPage();
    const text = await page.innerText('#view');
    expect(text).not.toMatch(/\bnull\b|\bundefined\b|NaN|\[object Object\]/);
    expect(await field(page, 'name')).toBe(status.name);
    expect(await field(page, 'hotAddress')).toBe(`no key yet\n${String(status.keyProblem)}`);
    expect(await field(page, 'expiresIn')).toBe('unknown');
    expect(await field(page, 'ipv4')).toBe('unknown');
    expect(await page.innerText('[data-field="lastRun"]')).toBe('No run yet.');

    await page.click('#nmcddns-keygen');
    await page.waitForSelector('body.modal-overlay-active');
    const modal = await page.innerText('#modal_overlay .modal');
    // What the CLI says now that the key exists (the real one: derived from the new key).
    const setup = (w ? runCli(w.bin, 'setup', '--json') : fixture('setup.json')) as { hotAddress: string; domainValue: string; steps: { title: string }[] };
    expect(modal).toContain('A new hot key was written on the router');
    expect(modal).toContain(setup.hotAddress);
    expect(modal).toContain(setup.domainValue);
    for (const step of setup.steps) expect(modal).toContain(step.title);
    const keyLine = readFileSync(w ? w.keyFile : join(state, 'hotkey'), 'utf8').trim();
    const wif = /^w?pkh\(([^)]+)\)(#[0-9a-z]+)?$/.exec(keyLine)?.[1]; // a descriptor, maybe with its checksum
    expect(wif, keyLine.replace(/\(.*/, '(…)')).toBeDefined();
    expect(await page.content()).not.toContain(wif!);
    expect(ubusCalls.map((c) => c.method)).toContain('keygen');
    await screenshot(page, 'luci-status-keygen.png');
    // The page re-read status after keygen: the hot address is there now, and the key button
    // became "Show setup" (a second keygen would only be refused).
    await page.click('#modal_overlay .modal button');
    await page.waitForFunction(`document.querySelector('tr[data-field="hotAddress"] > td:last-child')?.textContent === ${JSON.stringify(setup.hotAddress)}`, null, { timeout: 30_000 });
    expect(await page.$('#nmcddns-keygen')).toBeNull();
    await page.click('#nmcddns-setup');
    await page.waitForSelector('body.modal-overlay-active');
    expect(await page.innerText('#modal_overlay .modal')).toContain(setup.domainValue);
    expect(ubusCalls.filter((c) => c.method === 'setup')).toHaveLength(1);
    await page.close();
  });

  it.runIf(real.available)('"Check" shows the real CLI\'s verdict, and sends nothing', async () => {
    // A static, non-reserved IPv4 (5.5.5.2, never contacted: check does no network I/O with a
    // static source and upnp off) and no IPv6.
    const w = useRealCli({ ip4_source: 'static', ip4_address: '5.5.5.2', ip6_source: 'none', upnp: '0' });
    const expected = runCli(w.bin, 'check', '--json') as { ipv4: { address: string; reason: string }; ipv6: { reason: string }; value: string };
    const page = await openStatusPage();
    await page.click('#nmcddns-check');
    await page.waitForSelector('body.modal-overlay-active');
    const modal = await page.innerText('#modal_overlay .modal');
    expect(modal).toContain(expected.ipv4.address);
    expect(modal).toContain(expected.ipv4.reason);
    expect(modal).toContain('not published');
    expect(modal).toContain(expected.ipv6.reason);
    expect(modal).toContain(expected.value);
    expect(ubusCalls.map((c) => c.method)).toEqual(['status', 'check']);
    await page.close();
  });

  it('"Check" shows what would be published, nothing sent', async () => {
    setStatus(fixture('status.json'));
    const page = await openStatusPage();
    await page.click('#nmcddns-check');
    await page.waitForSelector('body.modal-overlay-active');
    const modal = await page.innerText('#modal_overlay .modal');
    const check = fixture('check.json') as { ipv4: { address: string; via: string }; ipv6: { reason: string }; value: string };
    expect(modal).toContain(check.ipv4.address);
    expect(modal).toContain(check.ipv4.via);
    expect(modal).toContain('not published');
    expect(modal).toContain(check.ipv6.reason);
    expect(modal).toContain(check.value);
    expect(ubusCalls.map((c) => c.method)).not.toContain('update');
    await page.click('#modal_overlay .modal button');
    expect(await page.evaluate(`document.body.classList.contains('modal-overlay-active')`)).toBe(false);
    await page.close();
  });

  it('shows a pending update and address warnings as the agent reports them', async () => {
    const st = fixture('status.json');
    const pending = { txid: 'cd'.repeat(32), value: '{"ip":"198.51.100.20"}' };
    const addrs = st.addresses as Record<string, Record<string, unknown>>;
    setStatus({ ...st, chain: { ...(st.chain as object), pending }, addresses: { ...addrs, ipv6: { ...addrs.ipv6, warnings: ['no firewall rule lets tcp/443 in on IPv6'] } } });
    const page = await openStatusPage();
    const shown = await field(page, 'pending');
    expect(shown).toContain(pending.txid);
    expect(shown).toContain(pending.value);
    expect(await field(page, 'ipv6')).toContain('Warning: no firewall rule lets tcp/443 in on IPv6');
    await page.close();
  });

  it('shows when a run held back by min_interval is due, and nothing of the kind otherwise', async () => {
    const hand = fixture('status.json') as unknown as StatusCache;
    const retryAt = new Date(Date.now() + 420_000).toISOString();
    const lastRun = { ...hand.lastRun!, action: 'waiting' as const, reason: 'min_interval: the last transaction went out 3 min ago', txid: null };
    let st: Record<string, unknown>;
    if (real.available) {
      // The agent's own cache writer and `status --json` (which adds retryIn) decide the fields.
      const w = useRealCli();
      const hot = runCli(w.bin, 'keygen', '--json').hotAddress as string;
      writeStatus(w.stateDir, { ...emptyStatus('dd/example', 'regtest', hot), lastRun, retryAt });
      st = runCli(w.bin, 'status', '--json');
      expect(st.retryAt).toBe(retryAt);
    } else {
      st = { ...(hand as unknown as Record<string, unknown>), lastRun, retryAt };
      setStatus(st);
    }
    const page = await openStatusPage();
    const shown = await field(page, 'retryAt');
    expect(shown).toContain(await page.evaluate(`new Date(${JSON.stringify(retryAt)}).toLocaleString()`));
    expect(shown).toContain('min_interval');
    expect(await field(page, 'action')).toBe('waiting');
    await page.close();

    if (real.available) writeStatus(state, { ...emptyStatus('dd/example', 'regtest', null), lastRun: hand.lastRun, retryAt: null });
    else setStatus({ ...(hand as unknown as Record<string, unknown>), retryAt: null });
    const again = await openStatusPage();
    expect(await again.$('tr[data-field="retryAt"]')).toBeNull();
    expect(await field(again, 'action')).toBe(hand.lastRun!.action);
    await again.close();
  });

  it('shows text from the chain and the agent as text, never as markup', async () => {
    const st = fixture('status.json');
    setStatus({
      ...st,
      name: 'dd/<img src=x onerror="window.__pwned=1">',
      chain: { ...(st.chain as object), value: '{"ip":"<script>window.__pwned=2</script>"}' },
      lastRun: { ...(st.lastRun as object), reason: '<b id="bold">not bold</b>' },
    });
    const page = await openStatusPage();
    expect(await field(page, 'name')).toBe('dd/<img src=x onerror="window.__pwned=1">');
    expect(await field(page, 'reason')).toBe('<b id="bold">not bold</b>');
    expect(await page.$('#view img, #view script, #bold')).toBeNull();
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    await page.close();
  });

  it('stops following a run, and says why, when status turns into an error', async () => {
    setStatus(fixture('status.json'));
    const page = await openStatusPage();
    // From now on the CLI starts nothing and cannot read its config (as after a bad edit).
    const broken = join(state, 'broken-cli');
    writeFileSync(broken, `#!/bin/sh\n[ "$1" = update ] && exit 0\necho "nmcddns: option name: 'example' is not valid; expected a dd/ name" >&2\nexit 2\n`, { mode: 0o755 });
    cliBin = broken;
    await page.click('#nmcddns-update');
    await page.waitForSelector('#notifications .alert-message.danger', { timeout: 30_000 });
    expect(await page.innerText('#notifications')).toContain("The run cannot be followed: nmcddns: option name: 'example' is not valid");
    expect(await page.innerText('#nmcddns-error')).toContain("option name: 'example' is not valid");
    expect(await page.innerText('#nmcddns-busy')).toBe('');
    // And it stopped polling.
    const reads = ubusCalls.filter((c) => c.method === 'status').length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(ubusCalls.filter((c) => c.method === 'status').length).toBe(reads);
    await page.close();
  });

  it('a read-only session sees the status; "Update now" is refused by the ACL and says so', async () => {
    setStatus(fixture('status.json'));
    readOnlySession = true;
    const page = await openStatusPage();
    expect(await field(page, 'name')).toBe('dd/example');
    await page.click('#nmcddns-update');
    await page.waitForSelector('#notifications .alert-message.danger');
    expect(await page.innerText('#notifications')).toMatch(/Could not start a run: .*Access denied/);
    expect(ubusCalls.filter((c) => c.denied).map((c) => c.method)).toEqual(['update']);
    expect(existsSync(join(state, 'calls.log')) ? readFileSync(join(state, 'calls.log'), 'utf8') : '').not.toMatch(/ update/);
    expect(await page.isEnabled('#nmcddns-update')).toBe(true);
    await page.close();
  });

  it('shows the agent\'s error when status fails', async () => {
    writeFileSync(join(state, 'status.json'), 'not json at all');
    const page = await openStatusPage();
    // The stand-in CLI printed no object: the plugin answers {"error"}, the page shows it.
    expect(await page.innerText('#nmcddns-error')).toMatch(/The agent did not answer: .*printed no JSON/);
    expect(await page.innerText('#view')).not.toMatch(/\bundefined\b/);
    await page.close();

    // The CLI's own --json error object (what a broken config gives): its message is shown.
    setStatus({ error: 'ConfigError', message: "/etc/config/nmcddns:3: option name: 'example' is not valid", exitCode: 3, option: 'name' });
    const page2 = await openStatusPage();
    expect(await page2.innerText('#nmcddns-error')).toBe("The agent did not answer: /etc/config/nmcddns:3: option name: 'example' is not valid");
    expect(await page2.$('#nmcddns-keygen, #nmcddns-setup')).toBeNull();
    await page2.close();
  });
});
