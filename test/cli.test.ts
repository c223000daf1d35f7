import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const BUNDLE = 'dist/nmcddns.mjs';
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('built CLI', () => {
  it('prints the package version', () => {
    expect(execFileSync(process.execPath, [BUNDLE, '--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
  });

  it('rejects an unknown command with exit code 2 and names it', () => {
    const r = spawnSync(process.execPath, [BUNDLE, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'frobnicate'");
  });
});
