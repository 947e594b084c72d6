// Bundles every entry point with esbuild (type checking is `tsc --noEmit`, run by `npm test`).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const entries = [
  { in: 'cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'daemon/main.ts', out: 'daemon' },
  { in: 'server/main.ts', out: 'server' },
];
const started = performance.now();
await Promise.all(
  entries.map((entry) =>
    build({
      entryPoints: [path.join(root, entry.in)],
      outfile: path.join(root, 'out', `${entry.out}.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: process.argv.includes('--minify'),
      sourcemap: 'linked',
      // ESM-only dependencies read import.meta.url; give the CommonJS bundle a real one.
      define: { MLW_VERSION: JSON.stringify(pkg.version), 'import.meta.url': '__mlwImportMetaUrl' },
      banner: { js: `${entry.banner ? entry.banner + '\n' : ''}const __mlwImportMetaUrl = require('url').pathToFileURL(__filename).href;` },
      // Optional native add-ons of ssh2 (dockerode's ssh transport); without them ssh2 uses its JavaScript code.
      external: ['cpu-features', '*.node'],
      logLevel: 'warning',
    }),
  ),
);
fs.chmodSync(path.join(root, 'out', 'cli.js'), 0o755);
// The SQLite engine loads its WebAssembly from next to the script that bundles it.
fs.copyFileSync(path.join(root, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), path.join(root, 'out', 'node-sqlite3-wasm.wasm'));
console.log(`built ${entries.map((e) => `out/${e.out}.js`).join(', ')} in ${Math.round(performance.now() - started)} ms`);
