import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { parseUci, selectSection } from '../../src/config/uci.ts';

describe('UCI syntax', () => {
  it('reads config/option/list with every quoting style of libuci', () => {
    const pkg = parseUci(
      [
        'package nmcddns',
        '',
        "config nmcddns 'main'   # the only section",
        "\toption name 'dd/example'",
        '\toption network "regtest"',
        '\toption enabled 1',
        "\tlist server 'tls://a.example:50002'",
        '\tlist server tcp://127.0.0.1:51001',
        `\toption template '{"tor":"abc.onion","txt":"it'\\''s"}'`,
        '\toption quoted "say \\"hi\\" \\\\ back"',
        "\toption joined 'a'\"b\"c",
        '\toption hash a#comment',
        "\toption empty ''",
      ].join('\n'),
    );
    expect(pkg.package).toBe('nmcddns');
    const s = pkg.sections[0]!;
    expect(s.type).toBe('nmcddns');
    expect(s.name).toBe('main');
    expect(s.options.get('name')).toBe('dd/example');
    expect(s.options.get('network')).toBe('regtest');
    expect(s.options.get('enabled')).toBe('1');
    expect(s.options.get('server')).toEqual(['tls://a.example:50002', 'tcp://127.0.0.1:51001']);
    // The shell idiom 'it'\''s': close the quote, an escaped quote, reopen.
    expect(JSON.parse(s.options.get('template') as string)).toEqual({ tor: 'abc.onion', txt: "it's" });
    expect(s.options.get('quoted')).toBe('say "hi" \\ back');
    expect(s.options.get('joined')).toBe('abc');
    expect(s.options.get('hash')).toBe('a');
    expect(s.options.get('empty')).toBe('');
    expect(s.optionLines.get('network')).toBe(5);
  });

  it('keeps JSON intact in single quotes', () => {
    const pkg = parseUci(`config nmcddns\n option template '{"map":{"www":{"ip":["192.0.2.1"]}}, "txt": "a b"}'\n`);
    expect(JSON.parse(pkg.sections[0]!.options.get('template') as string)).toEqual({ map: { www: { ip: ['192.0.2.1'] } }, txt: 'a b' });
  });

  it('lets quoted values span lines and continues lines ending in a backslash', () => {
    const pkg = parseUci("config nmcddns x\n option txt 'one\ntwo'\n option name \\\n  dd/cont\n option after 1\n");
    const o = pkg.sections[0]!.options;
    expect(o.get('txt')).toBe('one\ntwo');
    expect(o.get('name')).toBe('dd/cont');
    expect(o.get('after')).toBe('1');
    expect(pkg.sections[0]!.optionLines.get('after')).toBe(6);
  });

  it('separates statements with ; and a later option replaces an earlier one', () => {
    const pkg = parseUci('config nmcddns a; option x 1; option x 2\nlist l p; list l q\n');
    expect(pkg.sections[0]!.options.get('x')).toBe('2');
    expect(pkg.sections[0]!.options.get('l')).toEqual(['p', 'q']);
  });

  it('turns an option followed by list into a list, as libuci does', () => {
    const pkg = parseUci('config nmcddns\n option port 443\n list port udp/51820\n');
    expect(pkg.sections[0]!.options.get('port')).toEqual(['443', 'udp/51820']);
  });

  it.each([
    ["config nmcddns\n option name 'dd/x\n", /:2: unterminated single quote/],
    ['config nmcddns\n option name "dd/x\n', /:2: unterminated double quote/],
    ["option name 'dd/x'\n", /:1: 'option name' comes before any 'config' line/],
    ['config nmcddns\n option name\n', /:2: 'option' takes an option name and one value/],
    ['config nmcddns\n option name a b\n', /:2: 'option' takes .* found 3/],
    ['config nmcddns\n frob x y\n', /:2: unknown keyword 'frob'/],
    ['config nmcddns\n option bad-name 1\n', /option name 'bad-name' may only contain/],
    ["config 'nm cddns'\n", /section type 'nm cddns'/],
  ])('refuses malformed text with the line: %j', (text, re) => {
    expect(() => parseUci(text, '/etc/config/nmcddns')).toThrow(re);
    expect(() => parseUci(text)).toThrow(ConfigError);
  });

  it('selects sections by name, by @type[index] and by default the first of the type', () => {
    const pkg = parseUci('config other o\nconfig nmcddns first\n option a 1\nconfig nmcddns\n option a 2\nconfig nmcddns third\n option a 3\n');
    expect(selectSection(pkg, 'nmcddns', undefined, 'f').name).toBe('first');
    expect(selectSection(pkg, 'nmcddns', 'third', 'f').options.get('a')).toBe('3');
    expect(selectSection(pkg, 'nmcddns', '@nmcddns[1]', 'f').options.get('a')).toBe('2');
    expect(selectSection(pkg, 'nmcddns', '@nmcddns[-1]', 'f').name).toBe('third');
    expect(() => selectSection(pkg, 'nmcddns', 'nope', 'f')).toThrow(/no section named 'nope'; sections of type 'nmcddns': first, \(anonymous\), third/);
    expect(() => selectSection(pkg, 'nmcddns', 'o', 'f')).toThrow(/section 'o' has type 'other'/);
    expect(() => selectSection(pkg, 'nmcddns', '@nmcddns[7]', 'f')).toThrow(/no section @nmcddns\[7\]/);
    expect(() => selectSection(parseUci('config other\n'), 'nmcddns', undefined, 'f')).toThrow(/no 'config nmcddns' section/);
  });
});
