// Errors of the configuration layer. A ConfigError always names the option (or the file and
// line), the value that was given and what is allowed, so the owner can fix it without reading
// the source. KeyError is about the hot key file and never carries any of the key's text.

export class ConfigError extends Error {
  /** The option at fault (`ip4_source`), or undefined for file-level problems. */
  readonly option: string | undefined;

  constructor(message: string, option?: string) {
    super(message);
    this.name = 'ConfigError';
    this.option = option;
  }
}

export type KeyErrorCode = 'missing' | 'permissions' | 'unreadable' | 'invalid' | 'exists' | 'write';

export class KeyError extends Error {
  readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string) {
    super(message);
    this.name = 'KeyError';
    this.code = code;
  }
}
