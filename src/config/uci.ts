// A reader for the UCI file syntax (/etc/config/<package>), following libuci's file.c:
//
//   package nmcddns                    # optional
//   config nmcddns 'main'              # section: type, optional name
//       option name 'dd/example'       # a single value; a later `option` replaces it
//       list server 'tls://a:50002'    # a list; each `list` appends
//
// Words are unquoted, 'single quoted' (no escapes at all) or "double quoted" (backslash escapes
// the next character); adjacent pieces join into one word ('a'"b"c = abc). Quoted words may span
// lines. Outside quotes a backslash escapes the next character and a backslash at the end of a
// line continues the statement on the next line; `#` starts a comment (even inside an unquoted
// word, as in libuci); `;` ends a statement like a newline does.
import { ConfigError } from './errors.ts';

export interface UciSection {
  type: string;
  /** The section's name, or undefined for an anonymous section (`config nmcddns`). */
  name: string | undefined;
  /** Option name → a single value (`option`) or a list (`list`). */
  options: Map<string, string | string[]>;
  /** Line of the `config` statement, for messages. */
  line: number;
  /** Line of each option, for messages. */
  optionLines: Map<string, number>;
}

export interface UciPackage {
  package: string | undefined;
  sections: UciSection[];
}

interface Word {
  text: string;
  line: number;
}

const IDENT = /^[A-Za-z0-9_]+$/;

/** Parse UCI text; `where` names the file in error messages. */
export function parseUci(text: string, where = 'config'): UciPackage {
  const statements = tokenize(text, where);
  const out: UciPackage = { package: undefined, sections: [] };
  let current: UciSection | undefined;
  for (const words of statements) {
    const [keyword, ...args] = words;
    if (keyword === undefined) continue;
    const at = `${where}:${keyword.line}`;
    const need = (min: number, max: number, shape: string): void => {
      if (args.length < min || args.length > max) {
        throw new ConfigError(`${at}: '${keyword.text}' takes ${shape}, found ${args.length} argument(s)`);
      }
    };
    switch (keyword.text) {
      case 'package':
        need(1, 1, 'one package name');
        out.package = args[0]!.text;
        break;
      case 'config': {
        need(1, 2, "a section type and an optional name (config nmcddns 'main')");
        const type = args[0]!.text;
        const name = args[1]?.text;
        if (!IDENT.test(type)) throw new ConfigError(`${at}: section type '${type}' may only contain letters, digits and _`);
        if (name !== undefined && !IDENT.test(name)) {
          throw new ConfigError(`${at}: section name '${name}' may only contain letters, digits and _`);
        }
        current = { type, name, options: new Map(), line: keyword.line, optionLines: new Map() };
        out.sections.push(current);
        break;
      }
      case 'option':
      case 'list': {
        need(2, 2, `an option name and one value (${keyword.text} name 'value'; quote values with spaces)`);
        if (current === undefined) {
          throw new ConfigError(`${at}: '${keyword.text} ${args[0]!.text}' comes before any 'config' line`);
        }
        const name = args[0]!.text;
        if (!IDENT.test(name)) throw new ConfigError(`${at}: option name '${name}' may only contain letters, digits and _`);
        const value = args[1]!.text;
        if (keyword.text === 'option') {
          current.options.set(name, value);
        } else {
          // libuci: a `list` after an `option` of the same name turns it into a list.
          const prev = current.options.get(name);
          const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [prev];
          list.push(value);
          current.options.set(name, list);
        }
        current.optionLines.set(name, keyword.line);
        break;
      }
      default:
        throw new ConfigError(`${at}: unknown keyword '${keyword.text}': expected package, config, option or list`);
    }
  }
  return out;
}

/** Split the text into statements of words. */
function tokenize(text: string, where: string): Word[][] {
  const statements: Word[][] = [];
  let words: Word[] = [];
  let i = 0;
  let line = 1;
  const endStatement = (): void => {
    if (words.length > 0) statements.push(words);
    words = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      endStatement();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === ';') {
      i++;
      endStatement();
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      // Line continuation between words.
      i += text[i + 1] === '\n' ? 2 : 3;
      line++;
      continue;
    }
    // A word: a run of unquoted, single- and double-quoted pieces.
    const startLine = line;
    let word = '';
    let ended = false;
    while (i < text.length && !ended) {
      const ch = text[i]!;
      if (ch === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) throw new ConfigError(`${where}:${line}: unterminated single quote (a ' was opened and never closed)`);
        const piece = text.slice(i + 1, close);
        line += countNewlines(piece);
        word += piece;
        i = close + 1;
      } else if (ch === '"') {
        i++;
        let closed = false;
        while (i < text.length) {
          const d = text[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\' && i + 1 < text.length) {
            const next = text[i + 1]!;
            if (next === '\n') {
              line++; // escaped newline inside double quotes: continuation, nothing added
            } else {
              word += next;
            }
            i += 2;
            continue;
          }
          if (d === '\n') line++;
          word += d;
          i++;
        }
        if (!closed) throw new ConfigError(`${where}:${startLine}: unterminated double quote (a " was opened and never closed)`);
      } else if (ch === '\\') {
        const next = text[i + 1];
        if (next === undefined) {
          i++;
        } else if (next === '\n') {
          line++;
          i += 2;
        } else if (next === '\r' && text[i + 2] === '\n') {
          line++;
          i += 3;
        } else {
          word += next;
          i += 2;
        }
      } else if (ch === '#' || ch === ';' || ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') {
        ended = true;
      } else {
        word += ch;
        i++;
      }
    }
    words.push({ text: word, line: startLine });
  }
  endStatement();
  return statements;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

/**
 * Pick a section: by name (`main`), by libuci's anonymous reference (`@nmcddns[0]`, `@nmcddns[-1]`),
 * or, without a selector, the first section of `type`.
 */
export function selectSection(pkg: UciPackage, type: string, selector: string | undefined, where: string): UciSection {
  const ofType = pkg.sections.filter((s) => s.type === type);
  if (selector === undefined) {
    const first = ofType[0];
    if (first === undefined) {
      throw new ConfigError(`${where}: no 'config ${type}' section found; add one, e.g. config ${type} 'main'`);
    }
    return first;
  }
  const anon = /^@([A-Za-z0-9_]+)\[(-?\d+)\]$/.exec(selector);
  if (anon) {
    const list = pkg.sections.filter((s) => s.type === anon[1]);
    const idx = Number(anon[2]);
    const picked = list[idx < 0 ? list.length + idx : idx];
    if (picked === undefined) throw new ConfigError(`${where}: there is no section ${selector} (${list.length} section(s) of type '${anon[1]}')`);
    if (picked.type !== type) throw new ConfigError(`${where}: section ${selector} has type '${picked.type}', expected '${type}'`);
    return picked;
  }
  const named = pkg.sections.find((s) => s.name === selector);
  if (named === undefined) {
    const names = ofType.map((s) => s.name ?? '(anonymous)').join(', ') || 'none';
    throw new ConfigError(`${where}: no section named '${selector}'; sections of type '${type}': ${names}`);
  }
  if (named.type !== type) throw new ConfigError(`${where}: section '${selector}' has type '${named.type}', expected '${type}'`);
  return named;
}
