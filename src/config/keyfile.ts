// The hot key file on disk: read it only when nobody but its owner can, create it so that nobody
// else ever could (mode 0600 from the first byte, O_EXCL so an existing key is never replaced).
// Nothing here puts the file's contents into a message: errors from the parser are replaced by
// our own text.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatKeyFile, generateHotKey, parseKeyFile, type AddressType, type HotKey } from '../sign/keys.ts';
import type { NamecoinNetwork } from '../sign/network.ts';
import { KeyError } from './errors.ts';

/** Read and check the key file. Throws KeyError naming the path and the fix. */
export function loadHotKey(path: string, network: NamecoinNetwork): HotKey {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new KeyError('missing', `key file ${path} does not exist: create it with 'nmcddns keygen' (or set key_file)`);
    }
    if (code === 'ELOOP') throw new KeyError('permissions', `key file ${path} is a symbolic link: point key_file at the file itself`);
    throw new KeyError('unreadable', `key file ${path} cannot be opened: ${code ?? (e as Error).message}`);
  }
  try {
    // fstat on the opened descriptor: the file checked is the file read.
    const st = fstatSync(fd);
    if (!st.isFile()) throw new KeyError('invalid', `key file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyError(
        'permissions',
        `key file ${path} has mode ${mode}: it is readable by other users; run 'chmod 600 ${path}' (and consider the key exposed: move the name to a new key with 'nmcddns keygen' if others had access)`,
      );
    }
    if (typeof process.getuid === 'function' && st.uid !== process.getuid() && process.getuid() !== 0) {
      throw new KeyError('permissions', `key file ${path} belongs to uid ${st.uid}, not to the user running nmcddns (uid ${process.getuid()}); chown it`);
    }
    let text: string;
    try {
      text = readFileSync(fd, 'utf8');
    } catch (e) {
      throw new KeyError('unreadable', `key file ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'I/O error'}`);
    }
    try {
      return parseKeyFile(text, network);
    } catch (e) {
      // The signer's messages never contain the key, but they are re-worded here anyway so the
      // guarantee does not depend on another module.
      throw new KeyError('invalid', `key file ${path} does not hold a ${network.name} hot key: ${safeReason(e)}; expected one line wpkh(<WIF>) or pkh(<WIF>) as 'nmcddns keygen' writes it`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Keep only the parser's reason when it is a fixed sentence without key material. */
function safeReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // Any run of Base58/hex characters long enough to be key material is masked.
  return msg.replace(/[1-9A-HJ-NP-Za-km-z]{20,}/g, '***').replace(/^key file: /, '').replace(/^hot key: /, '');
}

/**
 * Create a new key file for a fresh key. Refuses to overwrite an existing file (a router's key
 * may hold the only copy of the name). The directory is created 0700 when missing.
 */
export function createKeyFile(path: string, network: NamecoinNetwork, type: AddressType): HotKey {
  try {
    statSync(path);
    throw new KeyError('exists', `key file ${path} already exists: nmcddns never overwrites a key (it may be the only one that can move the name). Remove it yourself or choose another key_file`);
  } catch (e) {
    if (e instanceof KeyError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new KeyError('write', `cannot check ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new KeyError('write', `cannot create the directory of ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const key = generateHotKey(network, type);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeyError('exists', `key file ${path} already exists: nmcddns never overwrites a key`);
    throw new KeyError('write', `cannot create ${path}: ${code ?? (e as Error).message}`);
  }
  try {
    writeSync(fd, formatKeyFile(key));
  } finally {
    closeSync(fd);
  }
  return key;
}
