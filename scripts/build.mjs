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
  // The VS Code extension: `vscode` is provided by the extension host; banner and footer time the bundle's evaluation.
  { in: 'client/extension.ts', out: 'extension', external: ['vscode'], banner: 'var __mlwBundleStart = performance.now();', footer: 'var __mlwBundleEnd = performance.now();' },
  // Loaded by the extension after activation, so the language client's code stays off the activation path.
  { in: 'client/language-client.ts', out: 'language-client', external: ['vscode'] },
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
      ...(entry.footer ? { footer: { js: entry.footer } } : {}),
      // Optional native add-ons of ssh2 (dockerode's ssh transport); without them ssh2 uses its JavaScript code.
      external: ['cpu-features', '*.node', ...(entry.external ?? [])],
      logLevel: 'warning',
    }),
  ),
);
// The webviews (metrics, pipeline graph, sweep) run in a browser context: their scripts, uPlot and the styles are
// shipped next to the bundles.
await Promise.all(
  ['metrics-webview', 'pipeline-graph-webview', 'sweep-webview'].map((name) =>
    build({
      entryPoints: [path.join(root, `client/webview/${name}.ts`)],
      outfile: path.join(root, 'out', `${name}.js`),
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      minify: process.argv.includes('--minify'),
      logLevel: 'warning',
    }),
  ),
);
for (const css of ['metrics-webview.css', 'job-views-webview.css']) fs.copyFileSync(path.join(root, 'client/webview', css), path.join(root, 'out', css));
fs.copyFileSync(path.join(root, 'node_modules/uplot/dist/uPlot.iife.min.js'), path.join(root, 'out', 'uPlot.iife.min.js'));
fs.copyFileSync(path.join(root, 'node_modules/uplot/dist/uPlot.min.css'), path.join(root, 'out', 'uPlot.min.css'));
// Deployment containers run the scoring host from next to the daemon's bundle.
for (const file of ['scoring_host.py', 'mlflow_score.py']) fs.copyFileSync(path.join(root, 'core/endpoints', file), path.join(root, 'out', file));
// Batch jobs of MLflow models without a scoring script copy mlw's from next to the daemon's bundle.
fs.copyFileSync(path.join(root, 'core/engine/batch/mlflow_batch_score.py'), path.join(root, 'out', 'mlflow_batch_score.py'));
fs.chmodSync(path.join(root, 'out', 'cli.js'), 0o755);
// The SQLite engine loads its WebAssembly from next to the script that bundles it.
fs.copyFileSync(path.join(root, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), path.join(root, 'out', 'node-sqlite3-wasm.wasm'));
console.log(`built ${entries.map((e) => `out/${e.out}.js`).join(', ')} in ${Math.round(performance.now() - started)} ms`);
