// Trust-on-first-use pinning of Electrum servers' TLS certificates.
//
// Public Namecoin servers use self-signed certificates, so a CA check says nothing. Instead the
// SHA-256 fingerprint of the DER certificate is recorded the first time a server is reached
// and every later connection must present the same certificate. Fingerprints from the config
// (`server_fingerprint host:port=hex`) take precedence and are never written to the file.
//
// The pin file is a JSON object `{ "host:port": "<64 hex>" }`, by default
// /etc/nmcddns/pins.json (`pin_file`). Flash trade-off: the agent never writes flash during a
// run EXCEPT here, when it meets a server for the first time. That is one small write per new
// server over the router's life; keeping pins in tmpfs instead would forget them at every
// reboot and turn TOFU into "trust on every boot", which an attacker on the WAN path could
// time. A changed certificate is refused (never silently re-pinned): the owner checks the new
// fingerprint out of band and runs `nmcddns pins --forget host:port` (forgetPin below) or
// deletes that entry.
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChainError } from './errors.ts';
import { hostPortKey, type ServerAddress } from './servers.ts';

export const DEFAULT_PIN_FILE = '/etc/nmcddns/pins.json';

/** SHA-256 of a DER certificate, lowercase hex without separators. */
export function certFingerprint(der: Uint8Array): string {
  return bytesToHex(sha256(der));
}

/** Accept `AB:CD:…`, upper case, spaces; return 64 lowercase hex digits or null. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** `host:port` / `[v6]:port` as typed by a user → the canonical pin key, or null if it is not one. */
function hostPortKeyOf(text: string): string | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return hostPortKey(host, Number(m[2]));
}

/** Parse the `server_fingerprint` list (`host:port=hex`) into key → fingerprint. */
export function parseFingerprintList(list: readonly string[]): Map<string, string> {
  const pins = new Map<string, string>();
  for (const item of list) {
    const eq = item.lastIndexOf('=');
    const bad = (why: string): never => {
      throw new ChainError('bad-url', `server_fingerprint '${item}' is not valid: ${why}; expected host:port=<sha256 of the DER certificate, 64 hex digits>`);
    };
    if (eq <= 0) bad("there is no '='");
    const where = item.slice(0, eq).trim();
    const key = hostPortKeyOf(where);
    if (key === null) bad(`'${where}' is not host:port`);
    const fp = normalizeFingerprint(item.slice(eq + 1));
    if (fp === null) bad('the fingerprint is not 64 hex digits');
    pins.set(key!, fp!);
  }
  return pins;
}

export type PinSource = 'config' | 'file' | 'first-use';

export interface PinStoreOptions {
  /** The pin file; default /etc/nmcddns/pins.json. */
  file?: string;
  /** Fingerprints from the config (parseFingerprintList); they win over the file. */
  configured?: ReadonlyMap<string, string>;
}

export class PinStore {
  readonly file: string;
  private readonly configured: ReadonlyMap<string, string>;

  constructor(options: PinStoreOptions = {}) {
    this.file = options.file ?? DEFAULT_PIN_FILE;
    this.configured = options.configured ?? new Map();
  }

  /**
   * Check a server's certificate fingerprint. Returns where the trust came from; records the
   * fingerprint on first use; throws ChainError('tls-pin') when it differs from the pin.
   */
  verify(server: ServerAddress, fingerprint: string): PinSource {
    const configured = this.configured.get(server.key);
    if (configured !== undefined) {
      if (configured === fingerprint) return 'config';
      throw new ChainError(
        'tls-pin',
        `${server.url}: the TLS certificate (sha256 ${fingerprint}) does not match server_fingerprint ${configured} from the config; ` +
          `refusing the server. If the operator rotated the certificate, check the new fingerprint and update server_fingerprint`,
        server.url,
      );
    }
    const pins = readPinFile(this.file);
    const pinned = pins[server.key];
    if (pinned !== undefined) {
      if (pinned === fingerprint) return 'file';
      throw new ChainError(
        'tls-pin',
        `${server.url}: the TLS certificate changed (now sha256 ${fingerprint}, pinned ${pinned} in ${this.file}); ` +
          `refusing the server. If the operator really rotated it, confirm the new fingerprint out of band, then run ` +
          `'nmcddns pins --forget ${server.key}' (or delete that entry from ${this.file})`,
        server.url,
      );
    }
    pins[server.key] = fingerprint;
    writePinFile(this.file, pins);
    return 'first-use';
  }

  /** Pins recorded in the file (configured ones are not listed here). */
  list(): Record<string, string> {
    return readPinFile(this.file);
  }
}

/** Remove one `host:port` entry from the pin file; false when it was not there. */
export function forgetPin(file: string, key: string): boolean {
  const norm = hostPortKeyOf(key.trim());
  if (norm === null) throw new ChainError('bad-url', `'${key}' is not host:port (e.g. electrum.example:50002 or [2001:db8::1]:50002)`);
  const pins = readPinFile(file);
  if (!(norm in pins)) return false;
  delete pins[norm];
  writePinFile(file, pins);
  return true;
}

function readPinFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ChainError('pin-file', `cannot read the pin file ${file}: ${(e as Error).message}`, undefined, { cause: e });
  }
  // Fail closed on a damaged file: overwriting it would silently forget every pin.
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ChainError('pin-file', `the pin file ${file} is not valid JSON: repair it or delete it (all servers will then be pinned again on first use)`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ChainError('pin-file', `the pin file ${file} must be a JSON object of "host:port": "sha256 hex"`);
  }
  const pins: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    const fp = typeof v === 'string' ? normalizeFingerprint(v) : null;
    if (fp === null) throw new ChainError('pin-file', `the pin file ${file}: entry '${k}' is not a sha256 hex fingerprint`);
    pins[k] = fp;
  }
  return pins;
}

/** Write via a temporary file + fsync + rename, so a power cut leaves the old or the new file. */
function writePinFile(file: string, pins: Record<string, string>): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(pins, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new ChainError('pin-file', `cannot write the pin file ${file}: ${(e as Error).message}`, undefined, { cause: e });
  }
}
