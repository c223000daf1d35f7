// One logger with levels, in the manner of ddns-scripts' write_log: every line on stderr, tagged
// with the level and the name being kept (procd passes a service's stderr to syslog). Secrets
// registered with the logger (the hot key's WIF and private key hex) are masked in every line,
// so a careless message cannot leak them.
import type { LogLevel } from './config/schema.ts';
import { bytesToHex } from './sign/bytes.ts';
import { hotKeyToWif, type HotKey } from './sign/keys.ts';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** Mask this text in every later line. */
  addSecret(secret: string): void;
  setLevel(level: LogLevel): void;
  setTag(tag: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  tag?: string;
  write?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  let level: LogLevel = opts.level ?? 'info';
  let tag = opts.tag;
  const secrets: string[] = [];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const emit = (l: LogLevel, msg: string): void => {
    if (RANK[l] > RANK[level]) return;
    let text = msg.replace(/[\r\n]+/g, ' ');
    for (const s of secrets) text = text.split(s).join('[redacted]');
    write(`nmcddns: ${l}: ${tag ? `${tag}: ` : ''}${text}\n`);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    addSecret: (s) => {
      if (s.length >= 8) secrets.push(s);
    },
    setLevel: (l) => {
      level = l;
    },
    setTag: (t) => {
      tag = t;
    },
  };
}

/** Mask the hot key (its WIF and the raw private key in hex) in every later line of `log`. */
export function maskHotKey(log: Logger, key: HotKey): HotKey {
  log.addSecret(hotKeyToWif(key));
  log.addSecret(bytesToHex(key.privateKey));
  return key;
}
