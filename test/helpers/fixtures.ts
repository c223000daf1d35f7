// Where the recorded Namecoin Core + ElectrumX data lives: ../shared/fixtures beside the checkout
// (CI lays a copy of shared/ beside its clone the same way). NMCDDNS_FIXTURES overrides it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = process.env.NMCDDNS_FIXTURES ?? resolve(REPO_ROOT, '..', 'shared', 'fixtures');

if (!existsSync(FIXTURES)) {
  throw new Error(`fixtures not found at ${FIXTURES}: check out ../shared beside the repo or set NMCDDNS_FIXTURES`);
}

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}

export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFixture(...parts)) as T;
}

/** A .jsonl file as one parsed object per non-empty line. */
export function readFixtureJsonl<T = unknown>(...parts: string[]): T[] {
  return readFixture(...parts)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
