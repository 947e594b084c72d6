// npm run fuzz -- --iterations 100000 [--seed N]
import { fuzz } from './lsp-fuzz';

const args = process.argv.slice(2);
const option = (name: string): number | undefined => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : undefined;
};
const iterations = option('--iterations') ?? 10000;
const seed = option('--seed') ?? Math.floor(Math.random() * 2 ** 31);
console.log(`fuzzing the language service: ${iterations} iterations, seed ${seed}`);
const started = performance.now();
fuzz({ iterations, seed }).then(
  (r) => console.log(`ok: ${r.requests} requests in ${((performance.now() - started) / 1000).toFixed(1)} s; slowest ${r.slowest.request} ${r.slowest.ms.toFixed(1)} ms`),
  (e) => {
    console.error(String(e?.message ?? e));
    process.exitCode = 1;
  },
);
