// The shipped /etc/config/nmcddns (openwrt/nmcddns/files/nmcddns.config) read by the agent's own
// config reader (src/config): the file the package installs is one the CLI accepts, disabled,
// every option at its default; each commented option line, uncommented on its own, is accepted
// too, and one shown with the schema's default means exactly that default to the agent. So the
// examples a user uncomments on the router do not fail the first run.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILES } from './helpers/feed.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { OPTIONS } from '../../src/config/schema.ts';

const FILE = '/etc/config/nmcddns';
const shipped = readFileSync(join(FILES, 'nmcddns.config'), 'utf8');
const commented = [...shipped.matchAll(/^\t#(option|list) ([a-z0-9_]+) '([^']*)'$/gm)].map(([line = '', kind = '', key = '', value = '']) => ({ line, kind, key, value }));

describe('the shipped UCI config, read by the agent', () => {
  it('is accepted as it is: section main, disabled, no warnings, every option at its default', () => {
    const loaded = parseConfigText(shipped, FILE, undefined, { requireName: false });
    expect(loaded.section).toBe('main');
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.enabled).toBe(false);
    const empty = parseConfigText("config nmcddns 'main'\n", FILE, undefined, { requireName: false });
    expect(loaded.config).toEqual(empty.config);
  });

  it('shows every option of the schema as a commented line, except enabled which is set', () => {
    const shown = new Set(commented.map((c) => c.key));
    for (const o of OPTIONS) {
      if (o.key === 'enabled') continue;
      expect(shown.has(o.key), `option ${o.key} in nmcddns.config`).toBe(true);
      expect(commented.find((c) => c.key === o.key)?.kind, `option/list for ${o.key}`).toBe(o.list ? 'list' : 'option');
    }
  });

  it.each(commented.map((c) => [c.key, c.value, c.line] as const))('%s %j uncommented alone is accepted; shown as the default, it is the default', (key, value, line) => {
    const base = "config nmcddns 'main'\n\toption enabled '0'\n\toption name 'dd/example'\n";
    const one = key === 'name' ? `${base}`.replace("\toption name 'dd/example'\n", `${line.replace('#', '')}\n`) : `${base}${line.replace('#', '')}\n`;
    const parsed = parseConfigText(one, FILE);
    const spec = OPTIONS.find((o) => o.key === key);
    expect(spec).toBeDefined();
    // The schema's default text, without its remark in brackets: "200000 (0.002 NMC)" -> 200000.
    if (spec && spec.defaultText.split(' (')[0] === value) {
      expect(parsed.config[spec.field]).toEqual(parseConfigText(base, FILE).config[spec.field]);
    }
  });
});
