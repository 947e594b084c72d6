// Bundles every entry point with esbuild (type checking is `tsc --noEmit`, run by `npm test`).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const entries = [{ in: 'cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' }];
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
      logLevel: 'warning',
    }),
  ),
);
fs.chmodSync(path.join(root, 'out', 'cli.js'), 0o755);
console.log(`built ${entries.map((e) => `out/${e.out}.js`).join(', ')} in ${Math.round(performance.now() - started)} ms`);
