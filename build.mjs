// Build the agent: one minified ESM bundle for Node 20 in dist/, with tiny-secp256k1's
// WebAssembly module beside it (the bundle loads it relative to its own file via
// import.meta.url, so dist/ can be copied anywhere, e.g. /usr/lib/nmcddns/ on a router).
// `node build.mjs --demo` also bundles the demo driver into .build/demo.mjs.
// `node build.mjs --ipk` additionally packs the standalone OpenWrt packages (openwrt/ipk.mjs).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [join(root, 'src/agent.ts')],
  outfile: join(dist, 'nmcddns.mjs'),
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  define: { __NMCDDNS_VERSION__: JSON.stringify(pkg.version) },
  // Some dependencies still call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __nmcddnsCreateRequire } from 'node:module';const require = __nmcddnsCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(join(dist, 'nmcddns.mjs'), 0o755);

const require = createRequire(import.meta.url);
const secpDir = join(dirname(require.resolve('tiny-secp256k1')), '..'); // lib/cjs/index.cjs -> lib/
copyFileSync(join(secpDir, 'secp256k1.wasm'), join(dist, 'secp256k1.wasm'));

// The demo (README quick start) drives the regtest simulator from test/sim/: a development
// tool, bundled apart in .build/ with its dependencies (bitcore-lib …) left in node_modules.
if (process.argv.includes('--demo')) {
  await build({
    entryPoints: [join(root, 'test/sim/demo.ts')],
    outfile: join(root, '.build', 'demo.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

if (process.argv.includes('--ipk')) {
  const { packAll } = await import('./openwrt/ipk.mjs');
  await packAll({ root, dist, version: pkg.version });
}
