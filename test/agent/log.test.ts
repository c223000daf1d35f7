import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

describe('logger', () => {
  it('writes tagged lines at or above the level, one line per message', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', tag: 'dd/example', write: (l) => lines.push(l) });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('two\nlines');
    expect(lines).toEqual(['nmcddns: warn: dd/example: w\n', 'nmcddns: error: dd/example: two lines\n']);
    log.setLevel('debug');
    log.debug('now');
    expect(lines.at(-1)).toBe('nmcddns: debug: dd/example: now\n');
  });

  it('masks registered secrets wherever they appear', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const wif = 'cTcpidRjJoBS9sh4VHjGDygfhgWiDDYvknPiY7Xxf7jxmJazB7D1';
    log.addSecret(wif);
    log.error(`oops wpkh(${wif}) and again ${wif}`);
    expect(lines[0]).toBe('nmcddns: error: oops wpkh([redacted]) and again [redacted]\n');
    expect(lines.join('')).not.toContain(wif);
  });
});
