// Read the configuration file: UCI on a router (/etc/config/nmcddns), JSON elsewhere. The format
// is detected from the text (a first non-blank `{` is JSON), so `--config` takes either.
import { readFileSync } from 'node:fs';
import { validateOptions, type Config, type RawValue } from './schema.ts';
import { ConfigError } from './errors.ts';
import { parseUci, selectSection } from './uci.ts';

export const DEFAULT_CONFIG_PATH = '/etc/config/nmcddns';
export const SECTION_TYPE = 'nmcddns';

export interface LoadedConfig {
  config: Config;
  /** Problems that did not stop the run (ignored options); logged as warnings. */
  warnings: string[];
  file: string;
  format: 'uci' | 'json';
  /** The UCI section used (name or @nmcddns[i]); undefined for JSON. */
  section: string | undefined;
}

export interface LoadOptions {
  /** false: a missing `name` is allowed (keygen, address, status before setup); config.name is ''. */
  requireName?: boolean;
}

export function loadConfig(file: string = DEFAULT_CONFIG_PATH, section?: string, opts: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`config file ${file} does not exist: create it (see 'nmcddns --help' for the options) or pass --config PATH`);
    }
    throw new ConfigError(`config file ${file} cannot be read: ${(e as Error).message}`);
  }
  return parseConfigText(text, file, section, opts);
}

export function parseConfigText(text: string, file: string, section?: string, opts: LoadOptions = {}): LoadedConfig {
  if (text.trimStart().startsWith('{')) {
    if (section !== undefined) throw new ConfigError(`--section applies to UCI files only; ${file} is JSON`);
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new ConfigError(`config file ${file}: expected one JSON object of options`);
    }
    const raw = new Map<string, RawValue>(Object.entries(obj as Record<string, RawValue>));
    try {
      const { config, warnings } = validateOptions(raw, file, opts);
      return { config, warnings, file, format: 'json', section: undefined };
    } catch (e) {
      // Name the file, as the UCI branch does with file:line: a router may have more than one.
      if (e instanceof ConfigError && e.option !== undefined && !e.message.startsWith(file)) {
        throw new ConfigError(`${file}: ${e.message}`, e.option);
      }
      throw e;
    }
  }
  const pkg = parseUci(text, file);
  const picked = selectSection(pkg, SECTION_TYPE, section, file);
  const index = pkg.sections.filter((s) => s.type === SECTION_TYPE).indexOf(picked);
  const label = picked.name ?? `@${SECTION_TYPE}[${index}]`;
  const raw = new Map<string, RawValue>(picked.options);
  try {
    const { config, warnings } = validateOptions(raw, `${file} section ${label}`, opts);
    return { config, warnings, file, format: 'uci', section: label };
  } catch (e) {
    if (e instanceof ConfigError && e.option !== undefined) {
      const line = picked.optionLines.get(e.option);
      if (line !== undefined && !e.message.startsWith(file)) {
        throw new ConfigError(`${file}:${line}: ${e.message}`, e.option);
      }
    }
    throw e;
  }
}
