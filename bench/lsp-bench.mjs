// Side-by-side LSP benchmark: yaml-language-server (devDependency, its bundled schema) and mlw's server, one run,
// interleaved, medians of 5 runs, with the ratios checked against the targets. `npm run bench:lsp [-- --out FILE]`.
// The harness is ../shared/bench/lsp/bench.mjs (override with MLW_LSP_BENCH); extra arguments are passed to it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const harness = process.env.MLW_LSP_BENCH ?? path.resolve(root, '../shared/bench/lsp/bench.mjs');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out-table');
const outFile = outIndex >= 0 ? path.resolve(args.splice(outIndex, 2)[1]) : undefined;
// a small young generation: the client starts the server with the same flag (server/README.md)
const server = `node --max-semi-space-size=1 ${path.join(root, 'out/server.js')} --stdio`;
const harnessArgs = [
  harness,
  '--yamlls', path.join(root, 'node_modules'),
  '--server', `mlw=${server}`,
  '--schema-key', 'https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json',
  '--runs', '5',
  ...args,
];

const output = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, harnessArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    text += chunk;
  });
  child.on('error', reject);
  child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`benchmark harness exited with ${code}`))));
});

/** Rows of the harness table: metric, lines, reference median, reference p95, ours median, ours p95. */
const rows = [];
for (const line of output.split('\n')) {
  const cells = line.split('|').map((c) => c.trim());
  if (cells.length < 12 || cells[1] === 'metric' || cells[1].startsWith('---')) continue;
  rows.push({ metric: cells[1], lines: cells[2], refMedian: Number(cells[3]), refP95: Number(cells[4]), median: Number(cells[7]), p95: Number(cells[8]) });
}
const row = (prefix, lines = '') => rows.find((r) => r.metric.startsWith(prefix) && r.lines === lines);
const targets = [
  ['open -> diagnostics, 10k lines', row('didOpen -> diagnostics (warm)', '10000'), (r) => r.median / r.refMedian, 0.2, 'x'],
  ['edit -> diagnostics, 10k lines', row('1-char didChange -> diagnostics', '10000'), (r) => r.median / r.refMedian, 0.2, 'x'],
  ['completion p95, 10k lines (map key)', row('completion, nested map key', '10000'), (r) => r.p95, 10, 'ms'],
  ['completion p95, 10k lines (list item)', row('completion, new item in nested array', '10000'), (r) => r.p95, 10, 'ms'],
  ['hover p95, 10k lines', row('hover on', '10000'), (r) => r.p95, 5, 'ms'],
  ['start-up to initialized', row('initialize'), (r) => r.median, 150, 'ms'],
  ['peak RSS', row('server peak RSS'), (r) => r.median / r.refMedian, 0.3, 'x'],
];
const summary = ['', '| target | mlw | limit | met |', '| --- | --- | --- | --- |'];
for (const [name, r, measure, limit, unit] of targets) {
  const value = r ? measure(r) : NaN;
  summary.push(`| ${name} | ${Number.isFinite(value) ? `${value.toFixed(unit === 'x' ? 2 : 1)}${unit === 'x' ? '×' : ' ms'}` : 'n/a'} | ≤ ${limit}${unit === 'x' ? '×' : ' ms'} | ${value <= limit ? 'yes' : 'no'} |`);
}
console.log(summary.join('\n'));
if (outFile) {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, output.trimEnd() + '\n' + summary.join('\n') + '\n');
  console.log(`\nwritten to ${path.relative(process.cwd(), outFile)}`);
}
